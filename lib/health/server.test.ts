import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { adminDatabaseUrl, useTestEnvironment } from "@/test/temp-database";

// /api/health against the real engine and PostgreSQL (the Hub is absent: reported down). The
// engine probe is wrapped only to count how often it is asked.

vi.mock("@/lib/engine/client", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/engine/client")>();
  return { ...real, enginePing: vi.fn(real.enginePing) };
});

let health: typeof import("./server");
let engine: typeof import("@/lib/engine/client");

beforeAll(async () => {
  useTestEnvironment(adminDatabaseUrl());
  health = await import("./server");
  engine = await import("@/lib/engine/client");
});

afterEach(() => {
  vi.restoreAllMocks();
});

const engineCalls = () => vi.mocked(engine.enginePing).mock.calls.length;
/** Moves the clock past the cache (never backwards), so the next call probes again. */
let clock = 0;
const expireCache = () => {
  vi.restoreAllMocks();
  clock = Math.max(clock, Date.now()) + health.HEALTH_CACHE_MS + 1;
  vi.spyOn(Date, "now").mockReturnValue(clock);
};

describe("checkHealth", () => {
  it("probes the engine once for calls within a second", async () => {
    expireCache();
    const before = engineCalls();
    const first = await health.checkHealth();
    const second = await health.checkHealth();
    expect(engineCalls() - before).toBe(1);
    expect(second).toBe(first);
    expect(first.checks.engine.ok).toBe(true);
    expect(first.checks.database.ok).toBe(true);
    expect(first.checks.hub.ok).toBe(false);
    expect(first.status).toBe("degraded");

    // A second later it probes again.
    expireCache();
    await health.checkHealth();
    expect(engineCalls() - before).toBe(2);
  }, 30_000);

  it("shares one probe among a burst of 80 callers", async () => {
    expireCache();
    const before = engineCalls();
    const reports = await Promise.all(Array.from({ length: 80 }, () => health.checkHealth()));
    expect(engineCalls() - before).toBe(1);
    expect(new Set(reports).size).toBe(1);
  }, 30_000);
});

describe("GET /api/health", () => {
  it("tells an anonymous caller only whether each part is up", async () => {
    const { GET } = await import("@/app/api/health/route");
    const response = await GET(new NextRequest("http://127.0.0.1:3030/services/kiln/api/health"), { params: Promise.resolve({}) });
    expect(response.status).toBe(503); // the Hub is not running here
    expect(await response.json()).toEqual({
      status: "degraded",
      checks: { database: { ok: true }, engine: { ok: true }, hub: { ok: false } },
    });
  }, 30_000);

  it("keeps versions, timings and errors for moderators", async () => {
    const report = await health.checkHealth();
    expect(report.checks.engine.version).toBeTruthy();
    expect(report.checks.hub.error).toBeTruthy();
    expect(health.publicHealth(report)).toEqual({
      status: report.status,
      checks: { database: { ok: true }, engine: { ok: true }, hub: { ok: false } },
    });
  }, 30_000);
});
