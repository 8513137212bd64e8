import "server-only";
import { audit } from "@/lib/audit/server";
import type { KilnUser } from "@/lib/auth/identity";
import { db, viewerDb, type Database } from "@/lib/db";
import { AppError, forbidden } from "@/lib/http/errors";
import { buildEvents } from "./events";
import type { LogLine } from "./schema";
import { isFinished } from "./status";
import { findBuild, mayCancel, mayView, readLinePage, requestCancel, toView, type BuildWithRequester } from "./store";

const notFound = () => new AppError("build_not_found", 404, "There is no such build. Check the link, or start a new build from Launch.");

/** The build, if `viewer` may watch it; 404 when it does not exist, 403 when it is someone else's. */
export async function buildForViewer(id: string, viewer: KilnUser, client: Database = db()): Promise<BuildWithRequester> {
  const build = await findBuild(id, client);
  if (!build) throw notFound();
  if (!(await mayView(build.id, viewer, client))) throw forbidden("watch this build; only the people who asked for it can");
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
  await audit(db(), { actor: viewer.name, action: "build.cancel", target: `${build.displayName} @ ${build.requestedRef}`, details: { buildId: build.id, requester: build.requestedBy.name } });
  return toView((await findBuild(build.id))!, viewer);
}

/**
 * The whole log as text, ANSI escapes kept. Pulled page by page (about 256 KiB each) through the
 * viewers' pool, so a huge log never sits in memory and downloads never hold the builds' pool.
 */
export async function rawLog(id: string, viewer: KilnUser, timestamps = false): Promise<{ body: ReadableStream<Uint8Array>; finished: boolean; filename: string }> {
  const build = await buildForViewer(id, viewer, viewerDb());
  const encoder = new TextEncoder();
  let cursor = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const lines = await readLinePage(viewerDb(), build.id, { afterSeq: cursor }, 5000, 256 * 1024);
      if (!lines.length) return controller.close();
      cursor = lines.at(-1)!.seq;
      const stamp = (line: LogLine) => (timestamps ? `${line.at?.toISOString() ?? "-".padEnd(24)} ` : "");
      controller.enqueue(encoder.encode(lines.map((line) => `${stamp(line)}${line.text}\n`).join("")));
    },
  });
  return { body, finished: isFinished(build.status), filename: `kiln-build-${build.id}.log` };
}

/**
 * Server-Sent Events: `status`, `lines` (id = last seq), then `end`. Resumes after Last-Event-ID.
 * Pull-based: a viewer that does not read costs a bounded buffer (see events.ts).
 */
export async function eventStream(id: string, viewer: KilnUser, lastEventId: string | null, signal: AbortSignal): Promise<Response> {
  const build = await buildForViewer(id, viewer, viewerDb());
  const after = Math.max(0, Number.parseInt(lastEventId ?? "0", 10) || 0);
  const stream = await buildEvents().open(build, viewer, after, signal);
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
