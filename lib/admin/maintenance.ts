import "server-only";
import { log } from "@/lib/log";
import { pruneAudit } from "@/lib/audit/server";
import { db } from "@/lib/db";
import { runCleanup } from "@/lib/library/cleanup";
import { currentPolicy } from "@/lib/policy/server";

// Scheduled upkeep: the clean-up policy (when enabled) and the audit log's retention.

const EVERY_MS = 60 * 60_000;

/** Claims this hour's run for one replica: the claim row's time moves only if it is old. */
async function claimRun(): Promise<boolean> {
  const claimed = await db().$executeRaw`
    INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('maintenance', '{}'::jsonb, now(), 'kiln')
    ON CONFLICT (key) DO UPDATE SET updated_at = now()
    WHERE settings.updated_at < now() - make_interval(secs => ${(EVERY_MS * 0.9) / 1000})`;
  return claimed > 0;
}

export async function runMaintenance(): Promise<void> {
  if (!(await claimRun())) return;
  const policy = await currentPolicy();
  await pruneAudit(policy.auditRetentionDays);
  if (policy.cleanup.enabled) {
    const result = await runCleanup("kiln (scheduled clean-up)", policy.cleanup.unusedDays);
    if (result.removed.length) log.info(`clean-up removed ${result.removed.length} image(s)`);
  }
}

let timer: NodeJS.Timeout | null = null;

export function startMaintenance(): void {
  if (timer) return;
  const tick = () => runMaintenance().catch((error: unknown) => log.error({ err: error }, "scheduled maintenance failed"));
  setTimeout(tick, 60_000).unref();
  timer = setInterval(tick, EVERY_MS);
  timer.unref();
}
