import "server-only";
import { log } from "@/lib/log";
import { activeStatuses } from "@/lib/builds/status";
import { buildSettings } from "@/lib/builds/settings";
import { db } from "@/lib/db";
import { imageStore, imagesWithPrefix } from "@/lib/engine/images";
import type { Dashboard } from "./schema";

const TOP = 8;

/**
 * Listing every image takes an engine seconds (Podman about 13 s for 300 images here): the
 * figure is measured in the background, at most every few minutes, and the dashboard shows the
 * last measurement with its time instead of waiting for a new one.
 */
const ENGINE_MEASURE_MS = 5 * 60_000;
let engineUsage: { images: number; bytes: number; measuredAt: string; where: "engine" | "registry" } | null = null;
let measuring: Promise<void> | null = null;

function measureEngine(): Promise<void> {
  measuring ??= imagesWithPrefix(buildSettings().imagePrefix)
    .then((images) => {
      engineUsage = {
        images: images.length,
        bytes: images.reduce((sum, image) => sum + image.sizeBytes, 0),
        measuredAt: new Date().toISOString(),
        where: imageStore(),
      };
    })
    .catch((error: unknown) => log.error({ err: error }, "could not measure the engine's images"))
    .finally(() => {
      measuring = null;
    });
  return measuring;
}

async function engineFigures(): Promise<typeof engineUsage> {
  const stale = !engineUsage || Date.now() - Date.parse(engineUsage.measuredAt) > ENGINE_MEASURE_MS;
  if (stale) {
    const pending = measureEngine();
    // The first view waits a moment; later ones never do.
    if (!engineUsage) await Promise.race([pending, new Promise((r) => setTimeout(r, 1500))]);
  }
  return engineUsage;
}

interface ImageAggregate {
  build_id: string;
  display_name: string;
  requested_ref: string;
  size: bigint | null;
  owners: bigint;
  built_at: Date | null;
  last_launched: Date | null;
}

const toImageRow = (row: ImageAggregate) => ({
  buildId: row.build_id,
  displayName: row.display_name,
  requestedRef: row.requested_ref,
  sizeBytes: row.size === null ? null : Number(row.size),
  owners: Number(row.owners),
  builtAt: row.built_at?.toISOString() ?? null,
  lastLaunchedAt: row.last_launched?.toISOString() ?? null,
});

/** What an operator checks first: the queue, the disk, and who and what uses it. */
export async function dashboard(): Promise<Dashboard> {
  const client = db();
  const images = (order: "size" | "age") => client.$queryRawUnsafe<ImageAggregate[]>(`
    SELECT b.id AS build_id, b.display_name, b.requested_ref, b.image_size_bytes AS size, count(e.id) AS owners,
           b.finished_at AS built_at, max(e.last_launched_at) AS last_launched
    FROM builds b JOIN library_entries e ON e.build_id = b.id AND e.cleaned_at IS NULL
    WHERE b.status = 'built'
    GROUP BY b.id
    ORDER BY ${order === "size" ? "b.image_size_bytes DESC NULLS LAST" : "b.finished_at ASC NULLS LAST"}
    LIMIT ${TOP}`);
  const [users, queue, library, shared, pendingReview, openReports, biggest, oldest, launched, byUser, engineImages] = await Promise.all([
    client.user.count(),
    client.build.findMany({ where: { status: { in: [...activeStatuses] } }, include: { requestedBy: { select: { name: true } } }, orderBy: { createdAt: "asc" }, take: 200 }),
    client.$queryRaw<{ images: bigint; bytes: bigint | null }[]>`
      SELECT count(*) AS images, sum(b.image_size_bytes) AS bytes FROM builds b
      WHERE b.status = 'built' AND EXISTS (SELECT 1 FROM library_entries e WHERE e.build_id = b.id AND e.cleaned_at IS NULL)`,
    client.libraryEntry.count({ where: { visibility: "shared" } }),
    client.libraryEntry.count({ where: { visibility: "pending" } }),
    client.report.count({ where: { resolvedAt: null } }),
    images("size"),
    images("age"),
    client.$queryRaw<{ display_name: string; provider: string; launches: bigint }[]>`
      SELECT b.display_name, b.provider::text AS provider, sum(e.launch_count) AS launches
      FROM library_entries e JOIN builds b ON b.id = e.build_id
      GROUP BY b.display_name, b.provider HAVING sum(e.launch_count) > 0 ORDER BY launches DESC LIMIT ${TOP}`,
    client.$queryRaw<{ name: string; images: bigint; bytes: bigint | null }[]>`
      SELECT u.name, count(e.id) AS images, sum(b.image_size_bytes) AS bytes
      FROM users u JOIN library_entries e ON e.user_id = u.id AND e.cleaned_at IS NULL JOIN builds b ON b.id = e.build_id AND b.status = 'built'
      GROUP BY u.name ORDER BY bytes DESC NULLS LAST LIMIT ${TOP}`,
    engineFigures(),
  ]);
  let position = 0;
  return {
    users,
    queue: queue.map((build) => ({
      buildId: build.id,
      displayName: build.displayName,
      requestedRef: build.requestedRef,
      requester: build.requestedBy.name,
      status: build.status,
      position: build.status === "queued" ? ++position : null,
      createdAt: build.createdAt.toISOString(),
      startedAt: build.startedAt?.toISOString() ?? null,
    })),
    engine: engineImages,
    library: { images: Number(library[0]?.images ?? 0), bytes: Number(library[0]?.bytes ?? 0), shared, pendingReview, openReports },
    biggest: biggest.map(toImageRow),
    oldest: oldest.map(toImageRow),
    mostLaunched: launched.map((row) => ({ displayName: row.display_name, provider: row.provider, launches: Number(row.launches) })),
    usersByStorage: byUser.map((row) => ({ user: row.name, images: Number(row.images), bytes: Number(row.bytes ?? 0) })),
  };
}
