import "server-only";
import { db } from "@/lib/db";
import { enginePing, engineVersion } from "@/lib/engine/client";
import { serverEnv } from "@/lib/env";
import { hubVersion } from "@/lib/hub/client";
import { withTimeout } from "@/lib/timeout";
import { publicHealthSchema, type HealthReport, type PartHealth, type PublicHealth } from "./schema";

/** A report is reused for this long, and callers arriving while one is made share it. */
export const HEALTH_CACHE_MS = 1000;

async function check(probe: () => Promise<string | undefined>): Promise<PartHealth> {
  const started = performance.now();
  try {
    const version = await probe();
    return { ok: true, latencyMs: Math.round(performance.now() - started), ...(version ? { version } : {}) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: describe(error) };
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]?.slice(0, 300) ?? "unknown error";
}

let engineVersionKnown: Promise<string> | undefined;

/**
 * Up means the engine answers `_ping` in time. Its version is asked once and remembered: Podman's
 * `/version` waits on its image-store lock, so under a burst of builds it would report a busy
 * engine as down.
 */
async function probeEngine(timeoutMs: number): Promise<string | undefined> {
  await enginePing(timeoutMs);
  engineVersionKnown ??= engineVersion(30_000).catch((error: unknown) => {
    engineVersionKnown = undefined;
    throw error;
  });
  return withTimeout(engineVersionKnown, timeoutMs, "the container engine's version").catch(() => undefined);
}

/** Checks the database, the container engine and the Hub at once. */
async function probeAll(): Promise<HealthReport> {
  const timeoutMs = serverEnv().KILN_HEALTH_TIMEOUT_MS;
  const [database, engine, hub] = await Promise.all([
    check(async () => {
      const rows = await withTimeout(db().$queryRaw<{ version: string }[]>`SELECT current_setting('server_version') AS version`, timeoutMs, "PostgreSQL");
      return rows[0]?.version;
    }),
    check(() => probeEngine(timeoutMs)),
    check(() => hubVersion(timeoutMs)),
  ]);
  const ok = database.ok && engine.ok && hub.ok;
  return { status: ok ? "ok" : "degraded", checks: { database, engine, hub } };
}

const state = globalThis as unknown as { kilnHealth?: { report?: HealthReport; at: number; pending?: Promise<HealthReport> } };

/**
 * The health of every part, probed at most once per HEALTH_CACHE_MS however many ask: a burst
 * of requests costs the engine, the Hub and the database one probe each.
 */
export async function checkHealth(): Promise<HealthReport> {
  const cache = (state.kilnHealth ??= { at: 0 });
  if (cache.report && Date.now() - cache.at < HEALTH_CACHE_MS) return cache.report;
  cache.pending ??= probeAll()
    .then((report) => {
      cache.report = report;
      cache.at = Date.now();
      return report;
    })
    .finally(() => {
      cache.pending = undefined;
    });
  return cache.pending;
}

/** The report as anyone may see it: only whether each part is up. */
export function publicHealth(report: HealthReport): PublicHealth {
  const up = (part: PartHealth) => ({ ok: part.ok });
  return publicHealthSchema.parse({
    status: report.status,
    checks: { database: up(report.checks.database), engine: up(report.checks.engine), hub: up(report.checks.hub) },
  });
}
