import "server-only";
import { audit } from "@/lib/audit/server";
import { buildSettings } from "@/lib/builds/settings";
import { db } from "@/lib/db";
import { containersFromImage, removeImage } from "@/lib/engine/images";
import { deleteRegistryImage } from "@/lib/engine/registry";
import { activeServers } from "@/lib/hub/client";
import { notify } from "@/lib/notifications/server";
import { currentPolicy } from "@/lib/policy/server";
import type { CleanupCandidate, CleanupRun } from "@/lib/admin/schema";

// The clean-up policy: images nobody launched for N days and nobody shares are removed from the
// engine (and registry). Their entries stay, marked cleaned, so each owner can rebuild in a click.

interface CandidateRow {
  build_id: string;
  image_name: string;
  display_name: string;
  requested_ref: string;
  owners: string[];
  last_used: Date;
  size: bigint | null;
}

/** Built images whose every entry is private, and last launched (or added) before the cutoff. */
export async function cleanupCandidates(unusedDays: number): Promise<CleanupCandidate[]> {
  const cutoff = new Date(Date.now() - unusedDays * 86_400_000);
  const rows = await db().$queryRaw<CandidateRow[]>`
    SELECT b.id AS build_id, b.image_name, b.display_name, b.requested_ref, b.image_size_bytes AS size,
           array_agg(u.name ORDER BY u.name) AS owners,
           max(coalesce(e.last_launched_at, e.created_at)) AS last_used
    FROM builds b JOIN library_entries e ON e.build_id = b.id JOIN users u ON u.id = e.user_id
    WHERE b.status = 'built' AND e.cleaned_at IS NULL
    GROUP BY b.id
    HAVING bool_and(e.visibility = 'private') AND max(coalesce(e.last_launched_at, e.created_at)) < ${cutoff}
       AND coalesce(b.finished_at, b.created_at) < ${cutoff}
    ORDER BY last_used ASC
    LIMIT 1000`;
  return rows.map((row) => ({
    buildId: row.build_id,
    imageName: row.image_name,
    displayName: row.display_name,
    requestedRef: row.requested_ref,
    owners: row.owners,
    lastUsedAt: row.last_used.toISOString(),
    sizeBytes: row.size === null ? null : Number(row.size),
  }));
}

/**
 * Removes the candidates' images. Each is re-checked under the image's lock (a launch or a share
 * since the list was made keeps it), and skipped while any server or container uses it.
 */
export async function runCleanup(actor: string, unusedDays?: number): Promise<CleanupRun> {
  const days = unusedDays ?? (await currentPolicy()).cleanup.unusedDays;
  const candidates = await cleanupCandidates(days);
  const result: CleanupRun = { removed: [], skipped: [] };
  if (!candidates.length) return result;
  const inUse = new Set((await activeServers()).map((s) => s.image).filter((image): image is string => image !== null));
  const cutoff = new Date(Date.now() - days * 86_400_000);
  for (const candidate of candidates) {
    const image = candidate.imageName;
    if (inUse.has(image) || (await containersFromImage(image).catch(() => [{}])).length) {
      result.skipped.push({ image, why: "a server uses it" });
      continue;
    }
    const done = await db().$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${image}))`;
        const entries = await tx.libraryEntry.findMany({ where: { buildId: candidate.buildId, cleanedAt: null }, select: { id: true, userId: true, visibility: true, lastLaunchedAt: true, createdAt: true } });
        const stillUnused = entries.length > 0 && entries.every((e) => e.visibility === "private" && (e.lastLaunchedAt ?? e.createdAt) < cutoff);
        if (!stillUnused) return false;
        await tx.libraryEntry.updateMany({ where: { id: { in: entries.map((e) => e.id) } }, data: { cleanedAt: new Date() } });
        for (const entry of entries) {
          await notify(tx, entry.userId, `${candidate.displayName} @ ${candidate.requestedRef} was removed by the Hub's clean-up: nobody launched it for ${days} days. Rebuild it from your Library with one click.`, "/library");
        }
        await audit(tx, { actor, action: "cleanup.run", target: `${candidate.displayName} @ ${candidate.requestedRef}`, details: { image, owners: candidate.owners, unusedDays: days, sizeBytes: candidate.sizeBytes } });
        await removeImage(image);
        if (buildSettings().push) await deleteRegistryImage(image);
        return true;
      },
      { timeout: 60_000 },
    ).catch((error: unknown) => {
      result.skipped.push({ image, why: `the engine refused: ${(error as Error).message}`.slice(0, 200) });
      return null;
    });
    if (done) result.removed.push(image);
    else if (done === false) result.skipped.push({ image, why: "used or shared since the list was made" });
  }
  return result;
}
