import "server-only";
import type { KilnUser } from "@/lib/auth/identity";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import type { HubServer } from "@/lib/hub/client";
import { currentPolicy } from "@/lib/policy/server";
import type { Policy, QuotaLimits, UsageView } from "@/lib/policy/schema";
import { formatQuotaAmount, quotaKeys, quotaLabels, type QuotaKey } from "@/lib/policy/quotas";
import { activeStatuses } from "@/lib/builds/status";

type Tx = Prisma.TransactionClient;

/**
 * The limits that apply to `user`: the Hub's defaults, replaced for each limit by the overrides
 * of the Hub groups they belong to (lower or higher). In several groups that set the same limit,
 * the most generous one wins (no limit beats any number).
 */
export function limitsFor(user: Pick<KilnUser, "groups">, policy: Policy): { limits: QuotaLimits; from: Record<QuotaKey, string | null> } {
  const limits = { ...policy.quotas.defaults };
  const from = Object.fromEntries(quotaKeys.map((key) => [key, null])) as Record<QuotaKey, string | null>;
  for (const key of quotaKeys) {
    const overrides = user.groups
      .filter((group) => policy.quotas.groups[group]?.[key] !== undefined)
      .map((group) => ({ group, value: policy.quotas.groups[group]![key] as number | null }));
    if (!overrides.length) continue;
    const best = overrides.reduce((a, b) => (a.value === null ? a : b.value === null ? b : b.value > a.value ? b : a));
    limits[key] = best.value;
    from[key] = best.group;
  }
  return { limits, from };
}

/** Serialises everything that counts against one person's limits, across every Kiln replica. */
export async function lockUserQuotas(tx: Tx, userId: number): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUOTA_LOCK}::int, ${userId}::int)`;
}
/** Key space of the per-user quota lock (pg_advisory_xact_lock(int, int)). */
const QUOTA_LOCK = 0x6b7175; // "kqu"

const HOUR_MS = 3_600_000;

export async function buildsInProgress(tx: Tx, userId: number): Promise<number> {
  return tx.build.count({ where: { requestedById: userId, status: { in: [...activeStatuses] } } });
}

async function buildsLastHour(tx: Tx, userId: number): Promise<{ count: number; oldest: Date | null }> {
  const since = new Date(Date.now() - HOUR_MS);
  const [count, oldest] = await Promise.all([
    tx.build.count({ where: { requestedById: userId, createdAt: { gt: since } } }),
    tx.build.findFirst({ where: { requestedById: userId, createdAt: { gt: since } }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
  ]);
  return { count, oldest: oldest?.createdAt ?? null };
}

/** Bytes of built images in nobody's library but this person's (what deleting them would free). */
export async function bytesOwnedAlone(tx: Tx, userId: number): Promise<number> {
  const [row] = await tx.$queryRaw<{ bytes: bigint | null }[]>`
    SELECT sum(b.image_size_bytes) AS bytes
    FROM library_entries e JOIN builds b ON b.id = e.build_id
    WHERE e.user_id = ${userId} AND b.status = 'built' AND e.cleaned_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM library_entries o WHERE o.build_id = e.build_id AND o.user_id <> ${userId})`;
  return Number(row?.bytes ?? 0);
}

const libraryImages = (tx: Tx, userId: number) => tx.libraryEntry.count({ where: { userId } });
const sharedImages = (tx: Tx, userId: number) => tx.libraryEntry.count({ where: { userId, visibility: { in: ["shared", "pending"] } } });

const amount = (key: QuotaKey, value: number) => formatQuotaAmount(quotaLabels[key].unit, value);

/** The refusal: which limit, the current use, and what frees it. */
export function quotaExceeded(key: QuotaKey, limit: number, used: number, frees: string, options: { freesAt?: Date; group?: string | null } = {}): AppError {
  const source = options.group ? ` (the limit for the Hub group ${options.group})` : "";
  const message = `You have reached your limit of ${amount(key, limit)} ${quotaLabels[key].name}${source}: you have ${amount(key, used)}. ${frees}`;
  return new AppError("quota_exceeded", 429, message, {
    details: { limit: key, max: limit, used, ...(options.freesAt ? { freesAt: options.freesAt.toISOString() } : {}) },
    headers: options.freesAt ? { "retry-after": String(Math.max(1, Math.ceil((options.freesAt.getTime() - Date.now()) / 1000))) } : {},
  });
}

async function limitsNow(user: Pick<KilnUser, "groups">) {
  return limitsFor(user, await currentPolicy());
}

/** Call under lockUserQuotas, before creating a build the person asked for. */
export async function assertMayStartBuild(tx: Tx, user: Pick<KilnUser, "groups">, userId: number): Promise<void> {
  const { limits, from } = await limitsNow(user);
  if (limits.concurrentBuilds !== null) {
    const used = await buildsInProgress(tx, userId);
    if (used >= limits.concurrentBuilds) {
      throw quotaExceeded("concurrentBuilds", limits.concurrentBuilds, used, "It frees up when one of them finishes; you can cancel one from its build page.", { group: from.concurrentBuilds });
    }
  }
  if (limits.buildsPerHour !== null) {
    const { count, oldest } = await buildsLastHour(tx, userId);
    if (count >= limits.buildsPerHour) {
      const freesAt = new Date((oldest?.getTime() ?? Date.now()) + HOUR_MS);
      const minutes = Math.max(1, Math.ceil((freesAt.getTime() - Date.now()) / 60_000));
      throw quotaExceeded("buildsPerHour", limits.buildsPerHour, count, `The next one frees up in ${minutes} minute${minutes === 1 ? "" : "s"}.`, { freesAt, group: from.buildsPerHour });
    }
  }
  if (limits.imageBytes !== null) {
    const used = await bytesOwnedAlone(tx, userId);
    if (used >= limits.imageBytes) {
      throw quotaExceeded("imageBytes", limits.imageBytes, used, "Delete images you no longer need from your Library to free space.", { group: from.imageBytes });
    }
  }
}

/** Call under lockUserQuotas, before adding an entry to the person's library. */
export async function assertMayAddToLibrary(tx: Tx, user: Pick<KilnUser, "groups">, userId: number): Promise<void> {
  const { limits, from } = await limitsNow(user);
  if (limits.libraryImages === null) return;
  const used = await libraryImages(tx, userId);
  if (used >= limits.libraryImages) {
    throw quotaExceeded("libraryImages", limits.libraryImages, used, "Delete an image you no longer need from your Library, then try again.", { group: from.libraryImages });
  }
}

/** Call under lockUserQuotas, before sharing one more image. */
export async function assertMayShare(tx: Tx, user: Pick<KilnUser, "groups">, userId: number): Promise<void> {
  const { limits, from } = await limitsNow(user);
  if (limits.sharedImages === null) return;
  const used = await sharedImages(tx, userId);
  if (used >= limits.sharedImages) {
    throw quotaExceeded("sharedImages", limits.sharedImages, used, "Make one of your shared images private, then share this one.", { group: from.sharedImages });
  }
}

/** The person's running or starting named servers of a Kiln image, but `except` (one being started). */
export function kilnServersRunning(servers: HubServer[], except: string | null = null): number {
  return servers.filter((s) => s.name && s.name !== except && typeof s.user_options?.image === "string" && (s.ready || s.pending)).length;
}

/** Call under lockUserQuotas, with the person's running or starting servers started through Kiln. */
export async function assertMayStartServer(user: Pick<KilnUser, "groups">, running: number): Promise<void> {
  const { limits, from } = await limitsNow(user);
  if (limits.concurrentServers !== null && running >= limits.concurrentServers) {
    throw quotaExceeded("concurrentServers", limits.concurrentServers, running, "Stop one on the Servers page, then launch again.", { group: from.concurrentServers });
  }
}

/** The person's use against each of their limits, for the Usage panel. */
export async function usageFor(user: KilnUser, runningServers: number | null): Promise<UsageView> {
  const { limits, from } = await limitsNow(user);
  const row = await db().user.findUnique({ where: { name: user.name }, select: { id: true } });
  const id = row?.id ?? -1;
  const client = db();
  const [inProgress, lastHour, images, bytes, shared] = await Promise.all([
    buildsInProgress(client, id),
    buildsLastHour(client, id),
    libraryImages(client, id),
    bytesOwnedAlone(client, id),
    sharedImages(client, id),
  ]);
  const used: Record<QuotaKey, number> = {
    concurrentBuilds: inProgress,
    buildsPerHour: lastHour.count,
    libraryImages: images,
    imageBytes: bytes,
    sharedImages: shared,
    concurrentServers: runningServers ?? 0,
  };
  return {
    items: quotaKeys
      .filter((key) => key !== "concurrentServers" || runningServers !== null)
      .map((key) => ({ key, name: quotaLabels[key].name, unit: quotaLabels[key].unit, used: used[key], limit: limits[key], from: from[key] })),
  };
}
