import { setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peakGrowth } from "@/test/memory";
import { createMigratedDatabase, useTestEnvironment, type TempDatabase } from "@/test/temp-database";
import type { KilnUser } from "@/lib/auth/identity";

// Live log streams against a real PostgreSQL: the builds' lines are written through the store,
// exactly as the runner writes them, and viewers read the same SSE bodies browsers get.


let database: TempDatabase;
let store: typeof import("./store");
let server: typeof import("./server");
let events: typeof import("./events");
let dbModule: typeof import("@/lib/db");
let ownerId: number;

beforeAll(async () => {
  database = await createMigratedDatabase();
  useTestEnvironment(database.url);
  store = await import("./store");
  server = await import("./server");
  events = await import("./events");
  dbModule = await import("@/lib/db");
  ownerId = (await dbModule.db().user.create({ data: { name: "events-owner" } })).id;
}, 60_000);

afterAll(async () => {
  await dbModule?.disconnectAll();
  await database?.drop();
});

let builds = 0;
async function createBuild(status: "building" = "building") {
  builds += 1;
  return dbModule.db().build.create({
    data: {
      provider: "git",
      repoUrl: `git://127.0.0.1:9/events-${builds}.git`,
      spec: `git/events-${builds}/HEAD`,
      displayName: `events-${builds}`,
      requestedRef: "HEAD",
      resolvedRef: "0".repeat(40),
      imageName: `kiln-events-${builds}:latest`,
      builderImage: "unused",
      status,
      startedAt: new Date(),
      requestedById: ownerId,
    },
  });
}

/** People who asked for the build (so they may watch it), not moderators. */
async function viewersOf(buildId: string, count: number, prefix: string): Promise<KilnUser[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await dbModule.db().user.createMany({ data: names.map((name) => ({ name })) });
  const users = await dbModule.db().user.findMany({ where: { name: { in: names } } });
  await dbModule.db().libraryEntry.createMany({ data: users.map((user) => ({ buildId, userId: user.id })) });
  return names.map((name) => ({ name, isAdmin: false, isModerator: false, groups: [] }));
}

interface Received {
  lines: [number, string][];
  statuses: string[];
  lastId: number;
  ended: boolean;
}

/** Reads an SSE body to its end (or until `stopAfterLines` lines), as EventSource would. */
async function readEvents(response: Response, stopAfterLines = Infinity): Promise<Received> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const received: Received = { lines: [], statuses: [], lastId: 0, ended: false };
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return received;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) => block.split("\n").find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      const event = field("event");
      const data = field("data");
      const id = field("id");
      if (id) received.lastId = Number(id);
      if (event === "lines") received.lines.push(...(JSON.parse(data!) as [number, string][]));
      if (event === "status") received.statuses.push((JSON.parse(data!) as { status: string }).status);
      if (event === "end") received.ended = true;
    }
    if (received.lines.length >= stopAfterLines) {
      await reader.cancel();
      return received;
    }
  }
}

/** Appends `count` lines of `width` characters in batches, as the runner does. */
async function writeLines(buildId: string, from: number, count: number, width: number, batch = 500): Promise<void> {
  let logBytes = 0;
  for (let start = from; start < from + count; start += batch) {
    const lines = Array.from({ length: Math.min(batch, from + count - start) }, (_, i) => `line ${start + i} `.padEnd(width, "."));
    logBytes += lines.length * width;
    await store.appendOutput(buildId, { firstSeq: start, lines, logBytes, linesConsumed: start + lines.length - 1, truncated: false });
  }
}

function expectEveryLineOnce(received: Received, total: number, from = 1) {
  expect(received.lines.map(([seq]) => seq)).toEqual(Array.from({ length: total - from + 1 }, (_, i) => from + i));
}

describe("live build events", () => {
  it("a viewer that does not read costs a bounded buffer, and still gets every line exactly once", async () => {
    const build = await createBuild();
    const silent = await viewersOf(build.id, 50, "silent");
    const [reader] = await viewersOf(build.id, 1, "reader");
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const silentResponses = await Promise.all(silent.map((user) => server.eventStream(build.id, user, null, controller.signal)));
    const reading = readEvents(await server.eventStream(build.id, reader!, null, controller.signal));

    // 10 MB of log while 50 viewers read nothing: the old push-based streams held all of it, each.
    const LINES = 50_000;
    let maxQueued = 0;
    const sampler = setInterval(() => (maxQueued = Math.max(maxQueued, events.buildEvents().stats().maxQueuedBytes)), 5);
    const { growth } = await peakGrowth(async () => {
      await writeLines(build.id, 1, LINES, 200);
      await store.finishBuild(build.id, "built", "done");
      return reading;
    });
    clearInterval(sampler);
    maxQueued = Math.max(maxQueued, events.buildEvents().stats().maxQueuedBytes);

    const received = await reading;
    console.log("[events.test] stalled viewers: max queued bytes", maxQueued, "live heap growth", growth);
    expectEveryLineOnce(received, LINES + 1);
    expect(received.ended).toBe(true);
    expect(received.statuses[0]).toBe("building");
    expect(received.statuses.at(-1)).toBe("built");

    // Stated bound: a viewer's stream queues at most STREAM_BUFFER_BYTES plus one (catch-up) event.
    const bound = events.STREAM_BUFFER_BYTES + events.CATCH_UP_EVENT_BYTES + 4096;
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(bound);
    expect(events.buildEvents().stats().viewers).toBe(50);
    // Stated bound for Kiln's live memory with 50 stalled viewers of a 10 MB log: 48 MiB.
    expect(growth).toBeLessThan(48 * 1024 * 1024);

    // A slow reader that catches up later gets the same lines, once each (past the window, from the database).
    for (const response of silentResponses.slice(0, 3)) {
      const late = await readEvents(response);
      expectEveryLineOnce(late, LINES + 1);
      expect(late.ended).toBe(true);
    }
    controller.abort();
    await Promise.all(silentResponses.slice(3).map((response) => response.body!.cancel()));
    expect(events.buildEvents().stats()).toMatchObject({ viewers: 0, builds: 0 });
  }, 180_000);

  it("a reconnect resumes after the last event id", async () => {
    const build = await createBuild();
    const [user] = await viewersOf(build.id, 1, "resume");
    await writeLines(build.id, 1, 3000, 40, 1000);
    const signal = new AbortController().signal;
    const first = await readEvents(await server.eventStream(build.id, user!, null, signal), 1200);
    expect(first.lastId).toBeGreaterThanOrEqual(1200);
    const resumed = readEvents(await server.eventStream(build.id, user!, String(first.lastId), signal));
    await writeLines(build.id, 3001, 500, 40);
    await store.finishBuild(build.id, "failed", "stopped", { error: "stopped" });
    const rest = await resumed;
    expectEveryLineOnce(rest, 3501, first.lastId + 1);
    expect(rest.ended).toBe(true);
  }, 60_000);

  it("limits how many streams one person may hold open", async () => {
    const build = await createBuild();
    const [user] = await viewersOf(build.id, 1, "greedy");
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const open = await Promise.all(Array.from({ length: 10 }, () => server.eventStream(build.id, user!, null, controller.signal)));
    await expect(server.eventStream(build.id, user!, null, controller.signal)).rejects.toMatchObject({ code: "too_many_streams", status: 429 });
    await open[0]!.body!.cancel();
    const again = await server.eventStream(build.id, user!, null, controller.signal);
    controller.abort();
    await Promise.all([again, ...open.slice(1)].map((response) => response.body!.cancel()));
    expect(events.buildEvents().stats().viewers).toBe(0);
  }, 30_000);
});
