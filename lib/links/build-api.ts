import "server-only";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { KilnUser } from "@/lib/auth/identity";
import { buildEvents } from "@/lib/builds/events";
import { requestBuild } from "@/lib/builds/request";
import type { BuildStatus, BuildView } from "@/lib/builds/schema";
import { providerHosts } from "@/lib/builds/settings";
import { findBuild, type BuildWithRequester } from "@/lib/builds/store";
import { publicBaseUrl, serverEnv } from "@/lib/env";
import { createServerToken, HubError, serverProgress, userServers } from "@/lib/hub/client";
import { AppError } from "@/lib/http/errors";
import { launchEntry, serverBaseUrl } from "@/lib/launches/server";
import { parseLinkSpec } from "@/lib/repos/parse";
import { persistentSpec } from "./links";
import type { ProviderHosts, RepoTarget } from "@/lib/repos/types";

// BinderHub's build API (GET /build/<provider>/<spec>): Server-Sent Events of
// {"phase": …, "message": …} as BinderHub sends them, so Thebe, Jupyter Book's launch buttons
// and BinderHub's own JavaScript client work against Kiln. The difference that matters: the
// server is the caller's own named server with their persistent home, and the token in the
// `ready` event is one the caller could have made themselves: limited to that server, short-lived.
//
// The stream is pull-based like the build log viewers: the next event is made only when the
// client has read the last, so a slow client costs a bounded buffer.

const KEEPALIVE_MS = 25_000;
/** After `ready` or `failed`, as BinderHub: a reconnecting EventSource would start over. */
const HOLD_AFTER_END_MS = 60_000;

type BinderEvent = Record<string, unknown> & { phase: string };

const PHASES: Record<BuildStatus, string> = {
  queued: "waiting",
  fetching: "fetching",
  building: "building",
  pushing: "pushing",
  built: "built",
  failed: "failed",
  cancelled: "failed",
};

export interface BuildApiRequest {
  user: KilnUser;
  /** The caller's own Hub token, used to make the server token. */
  hubToken: string | null;
  /** The spec after /build/, URL-encoded as sent (gh/org/repo/ref). */
  spec: string;
  buildOnly: boolean;
  signal: AbortSignal;
}

export function buildApiResponse(request: BuildApiRequest): Response {
  const encoder = new TextEncoder();
  const events = binderEvents(request);
  let pending: Promise<IteratorResult<BinderEvent>> | undefined;
  let ended = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // Reconnecting after an end would build or launch again; make that slow.
        controller.enqueue(encoder.encode("retry: 600000\n\n"));
      },
      async pull(controller) {
        if (ended) {
          await holdOpen(request.signal);
          controller.close();
          return;
        }
        pending ??= events.next();
        const next = await Promise.race([pending, delay(KEEPALIVE_MS, request.signal).then(() => null)]);
        if (next === null) {
          if (request.signal.aborted) return controller.close();
          controller.enqueue(encoder.encode(":keepalive\n\n"));
          return;
        }
        pending = undefined;
        if (next.done) {
          ended = true;
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
        if (next.value.phase === "ready" || next.value.phase === "failed") ended = true;
      },
      async cancel() {
        await events.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
  });
}

async function* binderEvents({ user, hubToken, spec, buildOnly, signal }: BuildApiRequest): AsyncGenerator<BinderEvent> {
  try {
    const requested = await requestBuild(user, { repository: spec, ref: "", path: "", link: true });
    if (requested.notice) yield { phase: "waiting", message: `${requested.notice}\n` };
    let build: BuildWithRequester = requested.build;
    if (requested.outcome === "ready") {
      yield { phase: "built", imageName: build.imageName, message: "Found built image, launching...\n" };
    } else {
      if (build.status === "queued") yield { phase: "waiting", message: "Waiting for build to start...\n" };
      const final = yield* watchBuild(build, user, signal);
      build = (await findBuild(build.id)) ?? build;
      if (final.status !== "built") {
        yield { phase: "failed", message: `${final.status === "cancelled" ? "The build was cancelled." : `Build failed: ${final.error ?? "see the log above"}`}\n` };
        return;
      }
      yield { phase: "built", message: "Built image, launching...\n", imageName: build.imageName };
    }
    if (buildOnly) {
      yield { phase: "ready", message: "Done! Image built\n", imageName: build.imageName };
      return;
    }

    yield { phase: "launching", message: "Launching server...\n" };
    const launched = await launchEntry(user, requested.entryId, "");
    if (!launched.ready) {
      const failure = yield* watchSpawn(user.name, launched.server, signal);
      if (failure !== null) {
        yield { phase: "failed", message: `Your server could not start: ${failure}\n` };
        return;
      }
    }
    if (!hubToken) throw new AppError("no_hub_token", 401, "Kiln has no Hub token of yours to make a server token with. Sign out of Kiln and in again.");
    const { token } = await createServerToken(hubToken, user.name, launched.server, serverEnv().KILN_SERVER_TOKEN_SECONDS, `Kiln build API: ${build.displayName}`).catch(
      (error: unknown) => {
        if (error instanceof HubError && error.status === 403) {
          throw new AppError("token_not_allowed", 403, "Your Hub token may not make tokens. Use a Hub API token with its default permissions.");
        }
        throw error;
      },
    );
    const model = (await userServers(user.name)).find((server) => server.name === launched.server);
    const url = `${serverBaseUrl(user.name, launched.server, model)}/`;
    const target = parseLinkSpec(spec).target;
    yield {
      phase: "ready",
      message: `server running at ${url}\n`,
      image: build.imageName,
      repo_url: build.repoUrl,
      token,
      binder_ref_url: refUrl(target, build.resolvedRef, build.repoUrl, providerHosts()),
      binder_launch_host: `${publicBaseUrl()}/`,
      binder_request: `v2/${spec}`,
      binder_persistent_request: `v2/${persistentSpec(target, build.resolvedRef)}`,
      url,
    };
  } catch (error) {
    if (signal.aborted) return;
    yield failedEvent(error);
  }
}

function failedEvent(error: unknown): BinderEvent {
  if (error instanceof AppError) return { phase: "failed", status_code: error.status, message: `${error.userMessage}\n` };
  console.error("[kiln] build API", error);
  return { phase: "failed", status_code: 500, message: "Something went wrong on Kiln's side. Try again; if it persists, tell your Hub admin.\n" };
}

/** The build's log lines and phase changes as BinderHub events; returns its final view. */
async function* watchBuild(build: BuildWithRequester, user: KilnUser, signal: AbortSignal): AsyncGenerator<BinderEvent, BuildView> {
  let phase = "waiting";
  let last: BuildView | undefined;
  for await (const event of sseEvents(await buildEvents().open(build, user, 0, signal))) {
    if (event.event === "status") {
      last = JSON.parse(event.data) as BuildView;
      const next = PHASES[last.status];
      if (next !== phase && next !== "built" && next !== "failed") {
        phase = next;
        yield { phase, message: `${phaseMessage(last.status)}\n` };
      }
    } else if (event.event === "lines") {
      for (const [, text] of JSON.parse(event.data) as [number, string][]) yield { phase, message: `${text}\n` };
    } else if (event.event === "end" && last) {
      return last;
    }
  }
  if (!last) throw new AppError("build_vanished", 500, "The build was removed while it ran. Try again.");
  return last;
}

function phaseMessage(status: BuildStatus): string {
  switch (status) {
    case "queued": return "Waiting for build to start...";
    case "fetching": return "Fetching the repository...";
    case "building": return "Building the environment...";
    case "pushing": return "Pushing the image to the registry...";
    default: return status;
  }
}

/** The Hub's spawn progress as `launching` events; returns null once ready, or why it failed. */
async function* watchSpawn(user: string, server: string, signal: AbortSignal): AsyncGenerator<BinderEvent, string | null> {
  for await (const event of sseEvents(await serverProgress(user, server, signal))) {
    const progress = JSON.parse(event.data) as { message?: string; ready?: boolean; failed?: boolean };
    if (progress.ready) return null;
    if (progress.failed) return progress.message ?? "JupyterHub gave no reason.";
    if (progress.message) yield { phase: "launching", message: `${progress.message}\n` };
  }
  return "JupyterHub stopped reporting the server's progress before it was ready. Open Servers in Kiln to see it.";
}

/** The events of a Server-Sent Events body, read only as fast as they are taken. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Where people see the exact version that was built, as BinderHub's get_resolved_ref_url. */
export function refUrl(target: RepoTarget, resolvedRef: string, repoUrl: string, hosts: ProviderHosts): string {
  switch (target.provider) {
    case "github": return `${hosts.github}/${target.owner}/${target.repo}/tree/${resolvedRef}`;
    case "gitlab": return `${hosts.gitlab}/${target.project}/tree/${resolvedRef}`;
    case "gist": return `${hosts.gist}/${target.owner}/${target.id}/${resolvedRef}`;
    case "zenodo": return `https://doi.org/10.5281/zenodo.${resolvedRef}`;
    case "figshare": return `https://doi.org/10.6084/m9.figshare.${resolvedRef}`;
    case "dataverse": return `https://doi.org/${target.doi}`;
    default: return repoUrl;
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

async function holdOpen(signal: AbortSignal): Promise<void> {
  await delay(HOLD_AFTER_END_MS, signal);
}
