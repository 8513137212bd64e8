import { randomUUID } from "node:crypto";
import { createParser } from "eventsource-parser";
import WebSocket from "ws";
import { stackEnv } from "./stack";

// A client of Kiln's BinderHub-compatible build API written the way Thebe and BinderHub's own
// JavaScript client use it (not Kiln's UI): Server-Sent Events, then the server's Jupyter REST
// and WebSocket APIs with the token from the `ready` event.

export type BinderEvent = { phase: string; message?: string; [key: string]: unknown };

/** Reads /build/<spec> with a Hub API token until `ready` or `failed`; every event, in order. */
export async function binderBuild(spec: string, token: string, query = ""): Promise<BinderEvent[]> {
  const controller = new AbortController();
  const response = await fetch(`${stackEnv().hubUrl}/services/kiln/build/${spec}${query}`, {
    headers: { authorization: `token ${token}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`the build API answered ${response.status}: ${await response.text()}`);
  const events: BinderEvent[] = [];
  let finished = false;
  const parser = createParser({
    onEvent: (event) => {
      const data = JSON.parse(event.data) as BinderEvent;
      events.push(data);
      if (data.phase === "ready" || data.phase === "failed") finished = true;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  while (!finished) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  controller.abort();
  return events;
}

/** The Jupyter REST API of a server, with a token. */
export function jupyterFetch(serverUrl: string, path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${serverUrl}${path}`, { ...init, headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers } });
}

/**
 * Runs `code` over a kernel's WebSocket (starting a kernel unless `kernelId` is given) and
 * returns its text/plain result. The token goes in the Authorization header, or, as a browser
 * client such as Thebe must send it, in ?token= with the headers a browser adds (`browser`).
 */
export async function runOnKernel(
  serverUrl: string,
  token: string,
  code: string,
  options: { kernelId?: string; browser?: { origin: string } } = {},
): Promise<string> {
  let id = options.kernelId;
  if (!id) {
    const started = await jupyterFetch(serverUrl, "api/kernels", token, { method: "POST", body: "{}" });
    if (started.status !== 201) throw new Error(`starting a kernel answered ${started.status}: ${await started.text()}`);
    id = ((await started.json()) as { id: string }).id;
  }
  const channels = `${serverUrl.replace(/^http/, "ws")}api/kernels/${id}/channels`;
  const socket = options.browser
    ? new WebSocket(`${channels}?token=${encodeURIComponent(token)}`, { headers: { origin: options.browser.origin, "sec-fetch-mode": "websocket" } })
    : new WebSocket(channels, { headers: { authorization: `token ${token}` } });
  try {
    return await new Promise<string>((resolve, reject) => {
      const msgId = randomUUID();
      const timer = setTimeout(() => reject(new Error("no execute_result within 60 s")), 60_000);
      socket.on("error", reject);
      socket.on("open", () => {
        socket.send(
          JSON.stringify({
            header: { msg_id: msgId, username: "", session: randomUUID(), msg_type: "execute_request", version: "5.3", date: new Date().toISOString() },
            parent_header: {},
            metadata: {},
            content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
            buffers: [],
            channel: "shell",
          }),
        );
      });
      socket.on("message", (raw) => {
        const message = JSON.parse(raw.toString()) as { msg_type: string; parent_header: { msg_id?: string }; content: { data?: Record<string, string>; ename?: string } };
        if (message.parent_header.msg_id !== msgId) return;
        if (message.msg_type === "execute_result") {
          clearTimeout(timer);
          resolve(message.content.data?.["text/plain"] ?? "");
        } else if (message.msg_type === "error") {
          clearTimeout(timer);
          reject(new Error(`the kernel raised ${message.content.ename}`));
        }
      });
    });
  } finally {
    socket.close();
    await jupyterFetch(serverUrl, `api/kernels/${id}`, token, { method: "DELETE" }).catch(() => undefined);
  }
}
