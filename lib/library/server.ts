import "server-only";
import pLimit from "p-limit";
import type { KilnUser } from "@/lib/auth/identity";
import { db } from "@/lib/db";
import { containersFromImage, removeImage } from "@/lib/engine/images";
import { deleteRegistryImage } from "@/lib/engine/registry";
import { activeServersWithImage } from "@/lib/hub/client";
import { buildSettings } from "@/lib/builds/settings";
import type { Prisma } from "@/lib/generated/prisma/client";
import { AppError, forbidden, unavailable } from "@/lib/http/errors";
import { resolveRequest } from "@/lib/builds/request";
import { isFullSha } from "@/lib/repos/parse";
import type { LibraryEntryView, LibraryQuery } from "./schema";

const entryInclude = {
  build: true,
  user: { select: { name: true } },
} satisfies Prisma.LibraryEntryInclude;
type EntryRow = Prisma.LibraryEntryGetPayload<{ include: typeof entryInclude }>;

function toView(row: EntryRow, viewer: string): LibraryEntryView {
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

/** The viewer's own entries, or everyone's shared ones, newest first. */
export async function listLibrary(viewer: KilnUser, query: LibraryQuery): Promise<LibraryEntryView[]> {
  const where: Prisma.LibraryEntryWhereInput = {
    ...(query.view === "shared" ? { visibility: "shared", build: { status: "built" } } : { user: { name: viewer.name } }),
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
  const rows = await db().libraryEntry.findMany({ where, include: entryInclude, orderBy: { createdAt: "desc" }, take: 500 });
  return rows.map((row) => toView(row, viewer.name));
}

async function ownEntry(id: number, viewer: KilnUser): Promise<EntryRow> {
  const row = await db().libraryEntry.findUnique({ where: { id }, include: entryInclude });
  if (!row) throw new AppError("entry_not_found", 404, "That library entry does not exist any more.");
  if (row.user.name !== viewer.name) throw forbidden("change someone else's library entry");
  return row;
}

export async function setVisibility(id: number, viewer: KilnUser, visibility: "private" | "shared"): Promise<LibraryEntryView> {
  const row = await ownEntry(id, viewer);
  if (visibility === "shared" && row.build.status !== "built") {
    throw new AppError("not_built", 409, "Only built images can be shared. Wait for the build to finish.");
  }
  const updated = await db().libraryEntry.update({ where: { id: row.id }, data: { visibility }, include: entryInclude });
  return toView(updated, viewer.name);
}

/**
 * Removes the entry. The engine image goes too once no entry and no container needs it.
 * Refused while a server runs from the image, so nobody's session loses its image.
 */
export async function deleteEntry(id: number, viewer: KilnUser): Promise<{ imageRemoved: boolean; message: string }> {
  const row = await ownEntry(id, viewer);
  const image = row.build.imageName;
  await assertImageUnused(image, viewer);
  // The lock a build request for this image takes: no build can adopt the image while it goes.
  return db().$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${image}))`;
      await tx.libraryEntry.delete({ where: { id: row.id } });
      const remaining = await tx.libraryEntry.count({ where: { build: { imageName: image } } });
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
            ? "Removed from your library, and the image was deleted from the engine and the registry."
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

/** Images `user` may run: their own built entries and every shared one. Asked by the Hub. */
export async function allowedImages(userName: string): Promise<string[]> {
  const rows = await db().libraryEntry.findMany({
    where: { build: { status: "built" }, OR: [{ user: { name: userName } }, { visibility: "shared" }] },
    select: { build: { select: { imageName: true } } },
    distinct: ["buildId"],
  });
  return [...new Set(rows.map((row) => row.build.imageName))];
}

/** An entry the viewer may launch: theirs, or shared and built. */
export async function launchableEntry(id: number, viewer: KilnUser): Promise<EntryRow> {
  const row = await db().libraryEntry.findUnique({ where: { id }, include: entryInclude });
  if (!row) throw new AppError("entry_not_found", 404, "That image is not in the library any more; it may have been deleted.");
  if (row.user.name !== viewer.name && row.visibility !== "shared") throw forbidden("launch someone else's private image");
  if (row.build.status !== "built") throw new AppError("not_built", 409, "This image is not built yet. Wait for its build to finish.");
  return row;
}

export async function recordLaunch(entryId: number): Promise<void> {
  await db().libraryEntry.update({ where: { id: entryId }, data: { launchCount: { increment: 1 }, lastLaunchedAt: new Date() } });
}

/** The viewer's library entry for a build, if they have one. */
export async function entryFor(buildId: string, userName: string): Promise<{ id: number; visibility: "private" | "shared" } | null> {
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
  // The most recently built few, two at a time: a long library costs the git servers (and
  // Kiln) a bounded amount per page view.
  const oneAtATime = pLimit(2);
  const checks = [...newest.values()].slice(0, UPDATE_CHECKS).map((build) => oneAtATime(async () => {
    try {
      const { resolved } = await resolveRequest({ repository: build.spec, ref: "", path: "" });
      if (resolved.resolvedRef === build.resolvedRef) return null;
      return { spec: build.spec, displayName: build.displayName, requestedRef: build.requestedRef, currentRef: build.resolvedRef, latestRef: resolved.resolvedRef };
    } catch {
      return null; // unreachable or gone: nothing to offer
    }
  }));
  return (await Promise.all(checks)).filter((update): update is LibraryUpdate => update !== null);
}
