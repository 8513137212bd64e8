import "server-only";
import type { KilnUser } from "@/lib/auth/identity";
import { AppError, forbidden } from "@/lib/http/errors";
import { buildEvents, type BuildEvent } from "./events";
import { isFinished } from "./schema";
import { findBuild, mayCancel, mayView, readLines, requestCancel, toView, type BuildWithRequester } from "./store";

const notFound = () => new AppError("build_not_found", 404, "There is no such build. Check the link, or start a new build from Launch.");

/** The build, if `viewer` may watch it; 404 when it does not exist, 403 when it is someone else's. */
export async function buildForViewer(id: string, viewer: KilnUser): Promise<BuildWithRequester> {
  const build = await findBuild(id);
  if (!build) throw notFound();
  if (!(await mayView(build.id, viewer))) throw forbidden("watch this build; only the people who asked for it can");
  return build;
}

export async function buildView(id: string, viewer: KilnUser) {
  return toView(await buildForViewer(id, viewer), viewer);
}

export async function cancelBuild(id: string, viewer: KilnUser) {
  const build = await buildForViewer(id, viewer);
  if (isFinished(build.status)) throw new AppError("build_finished", 409, `This build has already ${build.status === "built" ? "finished" : build.status}.`);
  if (!mayCancel(build, viewer)) throw forbidden("cancel this build; only whoever started it, or an admin, can");
  await requestCancel(build.id);
  return toView((await findBuild(build.id))!, viewer);
}

/** The whole log as text, ANSI escapes kept, read in pages so a huge log never sits in memory. */
export async function rawLog(id: string, viewer: KilnUser): Promise<{ body: ReadableStream<Uint8Array>; finished: boolean; filename: string }> {
  const build = await buildForViewer(id, viewer);
  const encoder = new TextEncoder();
  let cursor = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const lines = await readLines(build.id, cursor, 5000);
      if (!lines.length) return controller.close();
      cursor = lines.at(-1)!.seq;
      controller.enqueue(encoder.encode(lines.map((line) => `${line.text}\n`).join("")));
    },
  });
  return { body, finished: isFinished(build.status), filename: `kiln-build-${build.id}.log` };
}

const HEARTBEAT_MS = 15_000;

/** Server-Sent Events: `lines` (id = last seq), `status`, then `end`. Resumes after Last-Event-ID. */
export async function eventStream(id: string, viewer: KilnUser, lastEventId: string | null, signal: AbortSignal): Promise<Response> {
  const build = await buildForViewer(id, viewer);
  const after = Math.max(0, Number.parseInt(lastEventId ?? "0", 10) || 0);
  const encoder = new TextEncoder();
  let unsubscribe: (() => void) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe?.();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const write = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const send = (event: BuildEvent) => {
        if (event.type === "lines") {
          const data = JSON.stringify(event.lines.map((line) => [line.seq, line.text]));
          write(`id: ${event.lines.at(-1)!.seq}\nevent: lines\ndata: ${data}\n\n`);
        } else if (event.type === "status") {
          write(`event: status\ndata: ${JSON.stringify(event.build)}\n\n`);
        } else {
          write("event: end\ndata: {}\n\n");
          close();
        }
      };
      signal.addEventListener("abort", close);
      write("retry: 2000\n\n");
      write(`event: status\ndata: ${JSON.stringify(await toView(build, viewer))}\n\n`);
      heartbeat = setInterval(() => write(": keep-alive\n\n"), HEARTBEAT_MS);
      unsubscribe = await buildEvents().subscribe(build.id, viewer, after, send);
      if (closed) unsubscribe();
    },
    cancel() {
      closed = true;
      clearInterval(heartbeat);
      unsubscribe?.();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
