import "server-only";
import { log } from "@/lib/log";
import { setTimeout as sleep } from "node:timers/promises";
import type { KilnUser } from "@/lib/auth/identity";
import { imageInfo } from "@/lib/engine/images";
import { registryHasImage } from "@/lib/engine/registry";
import { serverEnv } from "@/lib/env";
import { activeServers, HubError, startServer, stopServer, userServers, type HubServer } from "@/lib/hub/client";
import { audit, auditRefusal } from "@/lib/audit/server";
import { db } from "@/lib/db";
import type { Build } from "@/lib/generated/prisma/client";
import { currentPolicy } from "@/lib/policy/server";
import { assertMayStartServer, kilnServersRunning, lockUserQuotas } from "@/lib/quotas/server";
import { AppError, unavailable } from "@/lib/http/errors";
import { launchableEntry, recordLaunch } from "@/lib/library/server";
import { serverPathFor } from "@/lib/links/links";
import { trackLaunch } from "./metrics";
import { repoFolder, uniqueServerName } from "./naming";
import { launchTicket, ticketValid } from "./tickets";
import type { LaunchResult, ServerView } from "./schema";

const hubUnreachable = (error: unknown) =>
  unavailable("hub", "JupyterHub is not answering, so nothing was started. Try again in a minute; if it persists, tell your Hub admin.", error);

/**
 * A server's address as browsers reach it: with subdomains the Hub gives a full URL (the user's
 * own host), otherwise a path on the Hub's origin.
 */
export function serverBaseUrl(user: string, server: string, model?: Pick<HubServer, "url">): string {
  const url = (model?.url ?? `/user/${encodeURIComponent(user)}/${encodeURIComponent(server)}/`).replace(/\/+$/, "");
  return /^https?:\/\//.test(url) ? url : `${serverEnv().JUPYTERHUB_PUBLIC_URL.replace(/\/+$/, "")}${url}`;
}

/** Where the browser goes once the server is up: the repository's folder, or the path asked for (see lib/links). */
export function openUrl(base: string, folder: string, path: string): string {
  // A stored path (someone else's shared entry, too) never leads out of the server.
  return `${base}/${serverPathFor(path, folder) ?? serverPathFor("", folder)}`;
}

/** Starts (or reuses) a named server running the entry's image for `viewer`. */
export async function launchEntry(viewer: KilnUser, entryId: number, pathOverride?: string, serverName?: string): Promise<LaunchResult> {
  try {
    return await launchNow(viewer, entryId, pathOverride, serverName);
  } catch (error) {
    // Refusals on purpose (a ban, a quota) are recorded; a Hub that is down is not news.
    if (error instanceof AppError && (error.code === "banned" || error.code.endsWith("quota_exceeded"))) {
      await auditRefusal({ actor: viewer.name, action: "launch", target: `library entry ${entryId}`, reason: error.userMessage, details: { entryId, code: error.code } });
    }
    throw error;
  }
}

async function launchNow(viewer: KilnUser, entryId: number, pathOverride?: string, serverName?: string): Promise<LaunchResult> {
  const entry = await launchableEntry(entryId, viewer);
  const image = entry.build.imageName;
  const present = (await imageInfo(image).catch(() => null)) !== null || (await registryHasImage(image).catch(() => false));
  if (!present) throw new AppError("image_gone", 410, "This image was deleted from the engine meanwhile. Build the repository again from Launch.");

  const folder = repoFolder(entry.build.displayName);
  const path = pathOverride ?? entry.path;
  let servers: HubServer[];
  try {
    servers = await userServers(viewer.name);
  } catch (error) {
    throw hubUnreachable(error);
  }
  let same = servers.filter((s) => s.name && s.user_options?.image === image);
  if (serverName !== undefined) {
    // One named server, as the Servers page asks: never another one of the same image.
    same = same.filter((s) => s.name === serverName);
    if (!same.length) throw new AppError("server_not_found", 404, `You have no server named ${serverName} running this image. Open Servers to see yours.`);
  }
  const running = same.find((s) => s.ready || s.pending);
  if (running) {
    await recordLaunch(entry.id);
    await audit(db(), { actor: viewer.name, action: "launch", target: `${entry.build.displayName} @ ${entry.build.requestedRef}`, details: { entryId: entry.id, image, server: running.name, reused: true } });
    return { server: running.name, ready: running.ready, openUrl: openUrl(serverBaseUrl(viewer.name, running.name, running), folder, path) };
  }

  // A stopped server of this image is started again rather than adding one more name.
  const name = same[0]?.name ?? uniqueServerName(entry.build.displayName, new Set(servers.map((s) => s.name)));
  const target = `${entry.build.displayName} @ ${entry.build.requestedRef}`;
  await startWithinQuotas(viewer, entry.build, async () => {
    try {
      // The Hub answers a start only once the server is up or its slow_spawn_timeout (10 s) has
      // passed. A refusal comes at once; a start still going after SPAWN_ANSWER_MS is left to the
      // progress stream, so the person sees the Hub's messages instead of a silent wait.
      const request = startServer(viewer.name, name, { image, kiln_repo_dir: folder, kiln_ticket: launchTicket(viewer.name, name, image) });
      trackLaunch(request, viewer.name, name, entry.build);
      const answered = await Promise.race([request.then(() => true), sleep(SPAWN_ANSWER_MS).then(() => false)]);
      if (!answered) {
        request.catch((error: unknown) => log.error({ err: error }, `the Hub's start of ${viewer.name}/${name} failed after Kiln stopped waiting; its progress stream says so`));
        // The quota locks are held until the Hub lists the server as starting, so the next
        // launch counts it.
        await untilListed(viewer.name, name, request);
      }
    } catch (error) {
      if (!(error instanceof HubError) || error.status === undefined) throw hubUnreachable(error);
      const message = /"message":\s*"([^"]+)"/.exec(error.message)?.[1];
      const detail = message && message.length > 8 ? message : `it answered ${error.status}; the Hub's log says why`;
      if (/maximum of \d+ named servers/i.test(detail)) {
        throw new AppError("server_limit", 409, `${detail.replace(/\.$/, "")}. Stop and remove a server on the Servers page, then launch again.`);
      }
      throw new AppError("spawn_failed", 502, `JupyterHub could not start the server: ${detail}`);
    }
  });
  await recordLaunch(entry.id);
  await audit(db(), { actor: viewer.name, action: "launch", target, details: { entryId: entry.id, image, server: name } });
  const started = (await userServers(viewer.name).catch(() => [])).find((s) => s.name === name);
  return { server: name, ready: false, openUrl: openUrl(serverBaseUrl(viewer.name, name, started), folder, path) };
}

/** How long a launch waits for the Hub's answer to a start before following its progress instead. */
const SPAWN_ANSWER_MS = 2000;

/** Waits (bounded) until the Hub lists `server` as starting or running, or its start request settles. */
async function untilListed(user: string, server: string, request: Promise<unknown>): Promise<void> {
  let settled = false;
  void request.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 40 && !settled; i++) {
    const listed = (await userServers(user).catch(() => [])).find((s) => s.name === server);
    if (listed && (listed.pending || listed.ready)) return;
    await sleep(250);
  }
}

/** Key space of the per-repository launch lock (pg_advisory_xact_lock(int, int)). */
const REPO_LAUNCH_LOCK = 0x6b726c; // "krl"

/**
 * Starts a server only while the person is under their concurrent-servers limit and the
 * repository under the Hub's per-repository limit, both counted from the Hub's own list and
 * held under locks until the Hub has the new server: two racing launches cannot both pass.
 */
async function startWithinQuotas(
  viewer: Pick<KilnUser, "name" | "groups">,
  build: Pick<Build, "provider" | "displayName">,
  start: () => Promise<void>,
  /** The server being started already (the Hub asks while it spawns): not counted against itself. */
  starting: string | null = null,
): Promise<void> {
  const policy = await currentPolicy();
  await db().$transaction(
    async (tx) => {
      const user = await tx.user.upsert({ where: { name: viewer.name }, create: { name: viewer.name }, update: {}, select: { id: true } });
      await lockUserQuotas(tx, user.id);
      let mine: HubServer[];
      try {
        mine = await userServers(viewer.name);
      } catch (error) {
        throw hubUnreachable(error);
      }
      const running = kilnServersRunning(mine, starting);
      await assertMayStartServer(viewer, running);
      const repoLimit = policy.repoConcurrentLaunches;
      if (repoLimit !== null) {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REPO_LAUNCH_LOCK}::int, hashtext(${`${build.provider}:${build.displayName}`}))`;
        const images = new Set((await tx.build.findMany({ where: { provider: build.provider, displayName: build.displayName, status: "built" }, select: { imageName: true } })).map((b) => b.imageName));
        let active: Awaited<ReturnType<typeof activeServers>>;
        try {
          active = await activeServers();
        } catch (error) {
          throw hubUnreachable(error);
        }
        const count = active.filter((s) => s.image !== null && images.has(s.image) && !(s.user === viewer.name && s.server === starting)).length;
        if (count >= repoLimit) {
          throw new AppError(
            "repo_quota_exceeded",
            429,
            `${build.displayName} is running on ${count} server${count === 1 ? "" : "s"} at once, the most this Hub allows for one repository (${repoLimit}). Try again when one of them stops.`,
            { details: { limit: "repoConcurrentLaunches", max: repoLimit, used: count } },
          );
        }
      }
      await start();
    },
    { timeout: 90_000, maxWait: 30_000 },
  );
}

/**
 * The Hub's pre-spawn check (kiln_jupyterhub's spawn_check, hub/kiln_jupyterhub/hooks.py), before every server it starts: a start Kiln
 * made carries its ticket and passes; one asked of the Hub's API directly, with a Kiln image, is
 * held to the same server quotas now (and recorded), so the Hub's API is no way around them.
 */
export async function checkHubSpawn(request: { user: string; server: string; image: string | null; ticket?: string | undefined }): Promise<{ allowed: true }> {
  if (!request.image || ticketValid(request.ticket, request.user, request.server, request.image)) return { allowed: true };
  const build = await db().build.findFirst({ where: { imageName: request.image, status: "built" }, select: { provider: true, displayName: true, requestedRef: true } });
  // Not a Kiln image: the Hub's allowed_images (Kiln's answer) decides whether it may run at all.
  if (!build) return { allowed: true };
  const person = await db().user.findUnique({ where: { name: request.user }, select: { groups: true } });
  const target = `${build.displayName} @ ${build.requestedRef}`;
  try {
    await startWithinQuotas({ name: request.user, groups: person?.groups ?? [] }, build, async () => undefined, request.server);
  } catch (error) {
    if (error instanceof AppError && error.code.endsWith("quota_exceeded")) {
      await auditRefusal({ actor: request.user, action: "launch", target, reason: error.userMessage, details: { via: "hub-api", server: request.server, image: request.image, code: error.code } });
    }
    throw error;
  }
  // Allowed here, the start may still be refused by allowed_images; the Hub logs what it runs.
  return { allowed: true };
}

export async function listServers(viewer: KilnUser): Promise<ServerView[]> {
  let servers: HubServer[];
  try {
    servers = await userServers(viewer.name);
  } catch (error) {
    throw hubUnreachable(error);
  }
  const imageOf = (server: HubServer) => (typeof server.user_options?.image === "string" ? server.user_options.image : null);
  const entries = await entriesForImages(viewer, servers.flatMap((server) => imageOf(server) ?? []));
  return servers.map((s) => ({
    name: s.name,
    image: imageOf(s),
    entry: entries.get(imageOf(s) ?? "") ?? null,
    ready: s.ready,
    pending: s.pending,
    started: s.started,
    lastActivity: s.last_activity,
    url: `${serverBaseUrl(viewer.name, s.name, s)}/`,
  }));
}

/** For each image, the viewer's own library entry of it, else a shared one they may launch. */
async function entriesForImages(viewer: KilnUser, images: string[]): Promise<Map<string, NonNullable<ServerView["entry"]>>> {
  const found = new Map<string, NonNullable<ServerView["entry"]>>();
  if (!images.length) return found;
  const rows = await db().libraryEntry.findMany({
    where: {
      build: { imageName: { in: images }, status: "built" },
      cleanedAt: null,
      OR: [{ user: { name: viewer.name } }, { visibility: "shared", hiddenAt: null }],
    },
    select: { id: true, user: { select: { name: true } }, build: { select: { imageName: true, displayName: true, requestedRef: true, resolvedRef: true } } },
    orderBy: { id: "asc" },
  });
  for (const row of rows) {
    const own = row.user.name === viewer.name;
    const current = found.get(row.build.imageName);
    if (current && (current.own || !own)) continue;
    found.set(row.build.imageName, { id: row.id, displayName: row.build.displayName, requestedRef: row.build.requestedRef, resolvedRef: row.build.resolvedRef, own });
  }
  return found;
}

export async function stopUserServer(viewer: KilnUser, name: string, remove: boolean): Promise<void> {
  try {
    await stopServer(viewer.name, name, remove);
  } catch (error) {
    if (error instanceof HubError && error.status === 404) throw new AppError("server_not_found", 404, `You have no server named ${name}.`);
    throw hubUnreachable(error);
  }
}
