import "server-only";
import { db } from "@/lib/db";
import { engineVersion } from "@/lib/engine/client";
import { serverEnv } from "@/lib/env";
import { hubVersion } from "@/lib/hub/client";
import { withTimeout } from "@/lib/timeout";
import type { HealthReport, PartHealth } from "./schema";

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

/** Checks the database, the container engine and the Hub at once. */
export async function checkHealth(): Promise<HealthReport> {
  const timeoutMs = serverEnv().KILN_HEALTH_TIMEOUT_MS;
  const [database, engine, hub] = await Promise.all([
    check(async () => {
      const rows = await withTimeout(db().$queryRaw<{ version: string }[]>`SELECT current_setting('server_version') AS version`, timeoutMs, "PostgreSQL");
      return rows[0]?.version;
    }),
    check(() => engineVersion(timeoutMs)),
    check(() => hubVersion(timeoutMs)),
  ]);
  const ok = database.ok && engine.ok && hub.ok;
  return { status: ok ? "ok" : "degraded", checks: { database, engine, hub } };
}
