import "server-only";
import { log } from "@/lib/log";
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { KilnUser } from "@/lib/auth/identity";
import { buildEvents } from "@/lib/builds/events";
import { requestBuild } from "@/lib/builds/request";
import type { BuildView } from "@/lib/builds/schema";
import type { BuildStatus } from "@/lib/builds/status";
import { providerHosts, streamSettings } from "@/lib/builds/settings";
import { findBuild, type BuildWithRequester } from "@/lib/builds/store";
import { publicBaseUrl, serverEnv } from "@/lib/env";
import { createServerToken, HubError, serverProgress, userServers } from "@/lib/hub/client";
import { spawnProgress, sseEvents } from "@/lib/hub/progress";
import { AppError } from "@/lib/http/errors";
import { launchEntry, serverBaseUrl } from "@/lib/launches/server";
import { openViewer } from "@/lib/metrics/registry";
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

/** Open build API streams per person in this process: each holds a connection and Hub streams. */
const openByUser = new Map<string, number>();

export function buildApiResponse(request: BuildApiRequest): Response {
  const { perUser } = streamSettings();
  const open = openByUser.get(request.user.name) ?? 0;
  if (open >= perUser) {
    throw new AppError("too_many_streams", 429, `You already have ${perUser} build API streams open, the most Kiln allows per person. Close some, then try again.`);
  }
  openByUser.set(request.user.name, open + 1);
  const uncount = openViewer("binder_build");
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    uncount();
    const left = (openByUser.get(request.user.name) ?? 1) - 1;
    if (left > 0) openByUser.set(request.user.name, left);
    else openByUser.delete(request.user.name);
  };
  request.signal.addEventListener("abort", release, { once: true });
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
          await delay(HOLD_AFTER_END_MS, request.signal).promise;
          release();
          controller.close();
          return;
        }
        pending ??= events.next();
        const timer = delay(KEEPALIVE_MS, request.signal);
        const next = await Promise.race([pending, timer.promise.then(() => null)]).finally(timer.cancel);
        if (next === null) {
          if (request.signal.aborted) {
            release();
            return controller.close();
          }
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
        release();
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
    if (!hubToken) throw new AppError("token_required", 401, "Call the build API with a Hub API token (Authorization: token …).");
    const token = await serverToken(hubToken, user.name, launched.server, build.displayName);
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
      // As BinderHub: after falling back from master or main, the request names HEAD.
      binder_request: `v2/${requested.notice ? `${spec.slice(0, spec.lastIndexOf("/"))}/HEAD` : spec}`,
      binder_persistent_request: `v2/${persistentSpec(target, build.resolvedRef)}`,
      url,
    };
  } catch (error) {
    if (signal.aborted) return;
    yield failedEvent(error);
  }
}

/**
 * A token for the caller's server, made with their own Hub token. One is reused for a while
 * (half its life) for the same caller and server, so a client polling the API does not fill
 * the Hub with tokens.
 */
const serverTokens = new LRUCache<string, string>({ max: 10_000, ttl: 1000 });

async function serverToken(hubToken: string, user: string, server: string, displayName: string): Promise<string> {
  const seconds = serverEnv().KILN_SERVER_TOKEN_SECONDS;
  const key = `${createHash("sha256").update(hubToken).digest("hex")}:${user}/${server}`;
  const cached = serverTokens.get(key);
  if (cached) return cached;
  try {
    const { token } = await createServerToken(hubToken, user, server, seconds, `Kiln build API: ${displayName}`);
    serverTokens.set(key, token, { ttl: (seconds * 1000) / 2 });
    return token;
  } catch (error) {
    if (error instanceof HubError && error.status === 403) {
      throw new AppError("token_not_allowed", 403, "Your Hub API token may not make tokens. Use one with its default permissions, made on the Hub's Token page.");
    }
    throw error;
  }
}

function failedEvent(error: unknown): BinderEvent {
  if (error instanceof AppError) return { phase: "failed", status_code: error.status, message: `${error.userMessage}\n` };
  log.error({ err: error }, "build API");
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
  for await (const progress of spawnProgress(user, server, signal)) {
    if (progress.ready) return null;
    if (progress.failed) return progress.message ?? "JupyterHub gave no reason.";
    if (progress.message) yield { phase: "launching", message: `${progress.message}\n` };
  }
  return "JupyterHub stopped reporting the server's progress before it was ready. Open Servers in Kiln to see it.";
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

/** A wait that ends early on abort, and can be cancelled so no timer or listener is left behind. */
function delay(ms: number, signal: AbortSignal): { promise: Promise<void>; cancel: () => void } {
  let cancel = () => undefined as void;
  const promise = new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    cancel = done;
    signal.addEventListener("abort", done, { once: true });
  });
  return { promise, cancel };
}
