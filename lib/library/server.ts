import "server-only";
import pLimit from "p-limit";
import { activeStatuses } from "@/lib/builds/status";
import type { KilnUser } from "@/lib/auth/identity";
import { db } from "@/lib/db";
import { containersFromImage, removeImage } from "@/lib/engine/images";
import { deleteRegistryImage } from "@/lib/engine/registry";
import { activeServersWithImage } from "@/lib/hub/client";
import { buildSettings } from "@/lib/builds/settings";
import type { Prisma } from "@/lib/generated/prisma/client";
import { AppError, forbidden, unavailable } from "@/lib/http/errors";
import { audit, auditRefusal } from "@/lib/audit/server";
import { assertNotBanned, bannedBuildIds, bannedError, buildSubject, repositoryBanned } from "@/lib/bans/server";
import { currentPolicy } from "@/lib/policy/server";
import { assertMayShare, lockUserQuotas } from "@/lib/quotas/server";
import { requestBuild, resolveRequest, type BuildRequestResult } from "@/lib/builds/request";
import { persistentSpec } from "@/lib/links/links";
import { parseLinkSpec } from "@/lib/repos/parse";
import { isFullSha } from "@/lib/repos/parse";
import { LIBRARY_PAGE_DEFAULT, type LibraryEntryView, type LibraryQuery } from "./schema";

const entryInclude = {
  build: true,
  user: { select: { name: true } },
} satisfies Prisma.LibraryEntryInclude;
type EntryRow = Prisma.LibraryEntryGetPayload<{ include: typeof entryInclude }>;

/** What a library listing reads: the columns its view and the ban check need, not whole build rows. */
const listSelect = {
  id: true, buildId: true, path: true, visibility: true, launchCount: true, lastLaunchedAt: true, createdAt: true,
  hiddenAt: true, featuredAt: true, moderationNote: true, cleanedAt: true,
  build: {
    select: {
      id: true, provider: true, displayName: true, repoUrl: true, spec: true, requestedRef: true, resolvedRef: true,
      imageName: true, status: true, finishedAt: true, imageSizeBytes: true,
    },
  },
  user: { select: { name: true } },
} satisfies Prisma.LibraryEntrySelect;
type ViewRow = Prisma.LibraryEntryGetPayload<{ select: typeof listSelect }>;

function toView(row: ViewRow, viewer: string): LibraryEntryView {
  const b = row.build;
  return {
    id: row.id,
    buildId: b.id,
    owner: row.user.name,
    isOwner: row.user.name === viewer,
    provider: b.provider,
    displayName: b.displayName,
    repoUrl: b.repoUrl,
    spec: b.spec,
    requestedRef: b.requestedRef,
    resolvedRef: b.resolvedRef,
    imageName: b.imageName,
    status: b.status,
    builtAt: b.status === "built" ? (b.finishedAt?.toISOString() ?? null) : null,
    sizeBytes: b.imageSizeBytes === null ? null : Number(b.imageSizeBytes),
    visibility: row.visibility,
    hidden: row.hiddenAt !== null,
    featured: row.featuredAt !== null,
    // What a moderator did is between them and the owner.
    moderationNote: row.user.name === viewer ? row.moderationNote : null,
    cleaned: row.cleanedAt !== null,
    path: row.path,
    launchCount: row.launchCount,
    lastLaunchedAt: row.lastLaunchedAt?.toISOString() ?? null,
    addedAt: row.createdAt.toISOString(),
  };
}

const STATUS_FILTER: Record<NonNullable<LibraryQuery["status"]>, Prisma.BuildWhereInput> = {
  building: { status: { in: ["queued", "fetching", "building", "pushing"] } },
  built: { status: "built" },
  failed: { status: { in: ["failed", "cancelled"] } },
};

/** A page's place in a listing: after the entry added at `at` (ms) with this id, newest first. */
const encodeCursor = (row: { createdAt: Date; id: number }) => `${row.createdAt.getTime()}.${row.id}`;
function afterCursor(cursor: string): Prisma.LibraryEntryWhereInput {
  const [at, id] = cursor.split(".").map(Number) as [number, number];
  const createdAt = new Date(at);
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}
/** Reads per page at most: a page of banned repositories' entries still ends, a little short. */
const PAGE_READS_MAX = 4;

/**
 * A page of the viewer's own entries, or of everyone's shared ones, newest first, and the cursor
 * of the next page (null at the end). Keyset paging keeps every page as quick as the first
 * however large the Hub's library grows.
 */
export async function listLibrary(viewer: KilnUser, query: Omit<LibraryQuery, "limit"> & { limit?: number }): Promise<{ entries: LibraryEntryView[]; nextCursor: string | null }> {
  const where: Prisma.LibraryEntryWhereInput = {
    ...(query.view === "shared"
      ? { visibility: "shared", hiddenAt: null, cleanedAt: null, build: { status: "built" } }
      : { user: { name: viewer.name } }),
    ...(query.visibility && query.view === "mine" ? { visibility: query.visibility } : {}),
  };
  const buildWhere: Prisma.BuildWhereInput[] = [];
  if (query.status) buildWhere.push(STATUS_FILTER[query.status]);
  if (query.q) {
    buildWhere.push({
      OR: [
        { displayName: { contains: query.q, mode: "insensitive" } },
        { repoUrl: { contains: query.q, mode: "insensitive" } },
        { requestedRef: { contains: query.q, mode: "insensitive" } },
      ],
    });
  }
  if (buildWhere.length) where.build = { ...(where.build as Prisma.BuildWhereInput | undefined), AND: buildWhere };
  const limit = query.limit ?? LIBRARY_PAGE_DEFAULT;
  const entries: LibraryEntryView[] = [];
  let cursor = query.cursor ?? null;
  for (let read = 0; read < PAGE_READS_MAX && entries.length < limit; read += 1) {
    const want = limit - entries.length;
    const rows = await db().libraryEntry.findMany({
      where: cursor ? { AND: [where, afterCursor(cursor)] } : where,
      select: listSelect,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: want + 1,
    });
    const page = rows.slice(0, want);
    // A banned repository leaves the shared view at once; its owner still sees (and can delete) it.
    const banned = query.view === "shared" ? await bannedBuildIds(page.map((row) => row.build)) : new Set<string>();
    for (const row of page) if (!banned.has(row.buildId)) entries.push(toView(row, viewer.name));
    cursor = rows.length > want ? encodeCursor(page.at(-1)!) : null;
    if (!cursor) break;
  }
  return { entries, nextCursor: cursor };
}

async function ownEntry(id: number, viewer: KilnUser): Promise<EntryRow> {
  const row = await db().libraryEntry.findUnique({ where: { id }, include: entryInclude });
  if (!row) throw new AppError("entry_not_found", 404, "That library entry does not exist any more.");
  if (row.user.name !== viewer.name) throw forbidden("change someone else's library entry");
  return row;
}

/**
 * Shares or unshares the viewer's entry. Sharing checks the bans and the shared-images quota
 * under the person's quota lock; in approval mode it waits for a moderator ("pending").
 */
export async function setVisibility(id: number, viewer: KilnUser, visibility: "private" | "shared"): Promise<LibraryEntryView> {
  const row = await ownEntry(id, viewer);
  const target = `${row.build.displayName} @ ${row.build.requestedRef}`;
  if (visibility === "private") {
    const updated = await db().$transaction(async (tx) => {
      const result = await tx.libraryEntry.update({ where: { id: row.id }, data: { visibility: "private", sharedAt: null, featuredAt: null, featuredDescription: null }, include: entryInclude });
      if (row.visibility !== "private") await audit(tx, { actor: viewer.name, action: "entry.unshare", target, details: { entryId: row.id } });
      return result;
    });
    return toView(updated, viewer.name);
  }
  if (row.visibility !== "private") return toView(row, viewer.name);
  if (row.build.status !== "built" || row.cleanedAt) {
    throw new AppError("not_built", 409, row.cleanedAt ? "This image was cleaned up; rebuild it before sharing." : "Only built images can be shared. Wait for the build to finish.");
  }
  try {
    await assertNotBanned(buildSubject(row.build, viewer.name), "share", row.build.displayName);
    // In approval mode, and after a moderator unshared or refused it, sharing waits for review.
    const pending = ((await currentPolicy()).approvalMode || row.reviewRequired) && !viewer.isModerator;
    const updated = await db().$transaction(async (tx) => {
      await lockUserQuotas(tx, row.userId);
      await assertMayShare(tx, viewer, row.userId);
      const result = await tx.libraryEntry.update({
        where: { id: row.id },
        // A moderator's hide and note stay: sharing again does not undo them.
        data: { visibility: pending ? "pending" : "shared", sharedAt: new Date() },
        include: entryInclude,
      });
      await audit(tx, { actor: viewer.name, action: "entry.share", target, details: { entryId: row.id, waitsForReview: pending } });
      return result;
    });
    return toView(updated, viewer.name);
  } catch (error) {
    if (error instanceof AppError) await auditRefusal({ actor: viewer.name, action: "entry.share", target, reason: error.userMessage, details: { entryId: row.id, code: error.code } });
    throw error;
  }
}

/**
 * Removes the entry. The engine image goes too once no entry and no container needs it.
 * Refused while a server runs from the image, so nobody's session loses its image.
 */
export async function deleteEntry(id: number, viewer: KilnUser): Promise<{ imageRemoved: boolean; message: string }> {
  const row = await ownEntry(id, viewer);
  await assertImageUnused(row.build.imageName, viewer);
  return removeEntry(row.id, {}, (tx) =>
    audit(tx, { actor: viewer.name, action: "entry.delete", target: `${row.build.displayName} @ ${row.build.requestedRef}`, details: { entryId: row.id, image: row.build.imageName } }),
  );
}

/**
 * Deletes an entry (running `alongside` in the same transaction), and the image from the engine
 * and registry when no other entry needs it. `waitForContainersMs`: servers were just asked to
 * stop, so wait that long for their containers to go before removing the image.
 */
export async function removeEntry(
  id: number,
  options: { waitForContainersMs?: number },
  alongside: (tx: Prisma.TransactionClient) => Promise<unknown>,
): Promise<{ imageRemoved: boolean; message: string }> {
  const row = await db().libraryEntry.findUnique({ where: { id }, include: { build: { select: { imageName: true } } } });
  if (!row) throw new AppError("entry_not_found", 404, "That library entry does not exist any more.");
  const image = row.build.imageName;
  const deadline = Date.now() + (options.waitForContainersMs ?? 0);
  while (Date.now() < deadline && (await containersFromImage(image)).length) await new Promise((r) => setTimeout(r, 1000));
  // The lock a build request for this image takes: no build can adopt the image while it goes.
  return db().$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${image}))`;
      await alongside(tx);
      await tx.libraryEntry.delete({ where: { id } });
      const remaining = await tx.libraryEntry.count({ where: { build: { imageName: image }, cleanedAt: null } });
      if (remaining > 0) {
        return { imageRemoved: false, message: `Removed from your library. The image stays: ${remaining} other ${remaining === 1 ? "library uses" : "libraries use"} it.` };
      }
      const removed = await removeImage(image).catch((error: unknown) => {
        // The engine refuses while a container (a server that just started) uses the image.
        if ((error as { statusCode?: number }).statusCode === 409) {
          throw new AppError("image_in_use", 409, "A server has just started from this image. Stop it from Servers, then delete.");
        }
        throw error;
      });
      const removedFromRegistry = buildSettings().push ? await deleteRegistryImage(image) : false;
      return {
        imageRemoved: removed || removedFromRegistry,
        message:
          removed || removedFromRegistry
            ? `Removed from your library, and the image was deleted from ${[removed && "the engine", removedFromRegistry && "the registry"].filter(Boolean).join(" and ")}.`
            : "Removed from your library. The image was already gone from the engine.",
      };
    },
    { timeout: 60_000 },
  );
}

/**
 * Refuses while any container (running or stopped) or any running or starting server uses the
 * image. Names only the viewer's own servers: someone else's are none of their business.
 */
async function assertImageUnused(image: string, viewer: KilnUser): Promise<void> {
  const [containers, servers] = await Promise.all([
    containersFromImage(image),
    activeServersWithImage(image).catch((error: unknown) => {
      throw unavailable("hub", "JupyterHub is not answering, so Kiln cannot tell whether a server uses this image. Try again in a minute.", error);
    }),
  ]);
  if (!containers.length && !servers.length) return;
  const own = servers.filter((s) => s.user === viewer.name).map((s) => s.server);
  const whose = own.length ? `your server ${own.join(", ")}` : "someone's server";
  throw new AppError("image_in_use", 409, `A server is running from this image (${whose}). ${own.length ? "Stop it from Servers" : "Wait until it stops"}, then delete.`);
}

/**
 * Images `user` may run: their own built entries and every shared, visible one, except those
 * of a banned repository. Asked by the Hub before every spawn, so a ban or a hide stops the
 * next start even through the Hub's own API.
 */
export async function allowedImages(userName: string): Promise<string[]> {
  const rows = await db().libraryEntry.findMany({
    where: { build: { status: "built" }, cleanedAt: null, OR: [{ user: { name: userName } }, { visibility: "shared", hiddenAt: null }] },
    select: { build: { select: { id: true, imageName: true, spec: true, resolvedRef: true, requestedRef: true, repoUrl: true } } },
    distinct: ["buildId"],
  });
  const banned = await bannedBuildIds(rows.map((row) => row.build));
  return [...new Set(rows.filter((row) => !banned.has(row.build.id)).map((row) => row.build.imageName))];
}

/** An entry the viewer may launch: theirs, or shared, visible and built; never a banned one. */
export async function launchableEntry(id: number, viewer: KilnUser): Promise<EntryRow> {
  const row = await db().libraryEntry.findUnique({ where: { id }, include: entryInclude });
  if (!row) throw new AppError("entry_not_found", 404, "That image is not in the library any more; it may have been deleted.");
  const own = row.user.name === viewer.name;
  if (!own && (row.visibility !== "shared" || row.hiddenAt)) throw forbidden("launch someone else's private image");
  if (row.build.status !== "built") throw new AppError("not_built", 409, "This image is not built yet. Wait for its build to finish.");
  if (row.cleanedAt) throw new AppError("image_cleaned", 410, "This image was removed by the Hub's clean-up because nobody launched it for a long time. Rebuild it from your Library.");
  const ban = await repositoryBanned(row.build);
  if (ban) throw bannedError(ban, "run", row.build.displayName);
  return row;
}

export async function recordLaunch(entryId: number): Promise<void> {
  await db().libraryEntry.update({ where: { id: entryId }, data: { launchCount: { increment: 1 }, lastLaunchedAt: new Date() } });
}

/** The viewer's library entry for a build, if they have one. */
export async function entryFor(buildId: string, userName: string): Promise<{ id: number; visibility: "private" | "shared" | "pending" } | null> {
  return db().libraryEntry.findFirst({ where: { buildId, user: { name: userName } }, select: { id: true, visibility: true } });
}

export interface LibraryUpdate {
  spec: string;
  displayName: string;
  requestedRef: string;
  currentRef: string;
  latestRef: string;
}

/**
 * For each repository the viewer follows by branch (not pinned to a commit), whether the branch
 * has moved past the newest version in their library. Resolved the same way as a new build.
 */
/** How many followed repositories are asked about new commits per library view. */
const UPDATE_CHECKS = 20;

export async function libraryUpdates(viewer: KilnUser): Promise<LibraryUpdate[]> {
  const rows = await db().libraryEntry.findMany({
    where: { user: { name: viewer.name }, build: { status: "built", provider: { in: ["github", "gitlab", "gist", "git"] } } },
    include: { build: true },
    orderBy: { build: { finishedAt: "desc" } },
  });
  const newest = new Map<string, (typeof rows)[number]["build"]>();
  for (const row of rows) {
    if (isFullSha(row.build.requestedRef)) continue;
    if (!newest.has(row.build.spec)) newest.set(row.build.spec, row.build);
  }
  // A rebuild already under way for the newest commit answers the offer; it comes back only if
  // the branch moves on again.
  const underWay = await db().libraryEntry.findMany({
    where: { user: { name: viewer.name }, build: { spec: { in: [...newest.keys()] }, status: { in: [...activeStatuses] } } },
    select: { build: { select: { spec: true, resolvedRef: true } } },
  });
  const building = new Set(underWay.map(({ build }) => `${build.spec} ${build.resolvedRef}`));
  // The most recently built few, two at a time: a long library costs the git servers (and
  // Kiln) a bounded amount per page view.
  const oneAtATime = pLimit(2);
  const checks = [...newest.values()].slice(0, UPDATE_CHECKS).map((build) => oneAtATime(async () => {
    try {
      const { resolved } = await resolveRequest({ repository: build.spec, ref: "", path: "" });
      if (resolved.resolvedRef === build.resolvedRef || building.has(`${build.spec} ${resolved.resolvedRef}`)) return null;
      return { spec: build.spec, displayName: build.displayName, requestedRef: build.requestedRef, currentRef: build.resolvedRef, latestRef: resolved.resolvedRef };
    } catch {
      return null; // unreachable or gone: nothing to offer
    }
  }));
  return (await Promise.all(checks)).filter((update): update is LibraryUpdate => update !== null);
}

/**
 * Builds again exactly the version of an entry the clean-up removed (or any entry of the
 * viewer's): its pinned spec, so the rebuilt image has the same name and replaces the entry.
 */
export async function rebuildEntry(id: number, viewer: KilnUser): Promise<BuildRequestResult> {
  const row = await ownEntry(id, viewer);
  const target = parseLinkSpec(row.build.spec).target;
  return requestBuild(viewer, { repository: persistentSpec(target, row.build.resolvedRef), ref: "", path: row.path, link: true });
}
