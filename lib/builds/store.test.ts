import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedDatabase, useTestEnvironment, type TempDatabase } from "@/test/temp-database";

// The build store against a real PostgreSQL: writes the runner may retry, pages bounded by
// bytes, the per-user queue limit, and how database errors are told apart.

let database: TempDatabase;
let store: typeof import("./store");
let dbModule: typeof import("@/lib/db");
let userId: number;

beforeAll(async () => {
  database = await createMigratedDatabase();
  useTestEnvironment(database.url);
  store = await import("./store");
  dbModule = await import("@/lib/db");
  userId = (await dbModule.db().user.create({ data: { name: "store-test" } })).id;
}, 60_000);

afterAll(async () => {
  await dbModule?.disconnectAll();
  await database?.drop();
});

let builds = 0;
async function createBuild(status: "queued" | "building" = "building", requestedById = userId) {
  builds += 1;
  return dbModule.db().build.create({
    data: {
      provider: "git",
      repoUrl: `git://127.0.0.1:9/store-${builds}.git`,
      spec: `git/store-${builds}/HEAD`,
      displayName: `store-${builds}`,
      requestedRef: "HEAD",
      resolvedRef: "0".repeat(40),
      imageName: `kiln-store-${builds}:latest`,
      builderImage: "unused",
      status,
      requestedById,
    },
  });
}

describe("build store", () => {
  it("stores a batch once however often it is retried", async () => {
    const build = await createBuild();
    const batch = { firstSeq: 1, lines: ["a", "b", "c"], logBytes: 3 * 129, linesConsumed: 3, truncated: false };
    await store.appendOutput(build.id, batch);
    await store.appendOutput(build.id, batch);
    await store.appendOutput(build.id, { ...batch, firstSeq: 4, lines: ["d"], logBytes: 4 * 129, linesConsumed: 4, truncated: true });
    const row = await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row).toMatchObject({ logLines: 4, logBytes: 4 * 129, linesConsumed: 4, logTruncated: true });
    // A later batch without the flag never clears it.
    await store.appendOutput(build.id, { firstSeq: 5, lines: [], logBytes: 4 * 129, linesConsumed: 9, truncated: false });
    expect((await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } })).logTruncated).toBe(true);
    expect((await store.readLines(build.id, 0, 10)).map((line) => line.text)).toEqual(["a", "b", "c", "d"]);
  });

  it("finishes a build once: a repeated finish adds no second closing line", async () => {
    const build = await createBuild();
    await store.appendOutput(build.id, { firstSeq: 1, lines: ["x"], logBytes: 129, linesConsumed: 1, truncated: false });
    expect(await store.finishBuild(build.id, "built", "done")).toBe(true);
    expect(await store.finishBuild(build.id, "failed", "again", { error: "late" })).toBe(false);
    const row = await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row).toMatchObject({ status: "built", logLines: 2, error: null });
    expect((await store.readLines(build.id, 0, 10)).map((line) => line.text)).toEqual(["x", "done"]);
  });

  it("stores nothing for a build that has finished, even from a write that waited on the finish", async () => {
    const build = await createBuild();
    await store.appendOutput(build.id, { firstSeq: 1, lines: ["a"], logBytes: 129, linesConsumed: 1, truncated: false });
    // A write that reaches the row while the finish holds it waits, then finds the build over.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("BEGIN");
    await admin.query("SELECT id FROM builds WHERE id = $1 FOR UPDATE", [build.id]);
    const late = store.appendOutput(build.id, { firstSeq: 2, lines: ["b", "c"], logBytes: 3 * 129, linesConsumed: 3, truncated: false }).then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await admin.query("UPDATE builds SET status = 'failed', log_lines = 2 WHERE id = $1", [build.id]);
    await admin.query("INSERT INTO build_log_chunks (build_id, first_seq, last_seq, lines) VALUES ($1, 2, 2, ARRAY['closing'])", [build.id]);
    await admin.query("COMMIT");
    await admin.end();
    expect(await late).toBeInstanceOf(store.BuildNotRunningError);
    expect(await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } })).toMatchObject({ status: "failed", logLines: 2, linesConsumed: 1 });
    expect((await store.readLines(build.id, 0, 10)).map((line) => line.text)).toEqual(["a", "closing"]);
    // And one after the finish is refused outright.
    await expect(store.appendOutput(build.id, { firstSeq: 3, lines: ["d"], logBytes: 0, linesConsumed: 4, truncated: false })).rejects.toBeInstanceOf(store.BuildNotRunningError);
    expect((await store.readLines(build.id, 0, 10)).map((line) => line.text)).toEqual(["a", "closing"]);
  });

  it("records where a failed build stopped: the phase it was in, the runner's summary, and when each line was stored", async () => {
    const build = await createBuild("building");
    await store.appendOutput(build.id, { firstSeq: 1, lines: ["STEP 2/3: RUN make", "make: *** [all] Error 2"], logBytes: 0, linesConsumed: 2, truncated: false });
    const summary = { step: "Step 2 of 3: RUN make", output: ["make: *** [all] Error 2"], exitStatus: 2 };
    expect(await store.finishBuild(build.id, "failed", "failed", { error: "failed", summary })).toBe(true);
    const row = await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } });
    expect(row).toMatchObject({ failedPhase: "building", failureStep: "Step 2 of 3: RUN make", failureOutput: ["make: *** [all] Error 2"] });
    const stored = await store.readLines(build.id, 0, 10);
    expect(stored.every((line) => line.at instanceof Date && Math.abs(line.at.getTime() - Date.now()) < 60_000)).toBe(true);
    expect(await store.readNewestStoredLines(build.id, 2)).toEqual(["make: *** [all] Error 2", "failed"]);

    // The phase is the one the row was in; cancelling records no failure.
    const fetching = await createBuild("building");
    await dbModule.db().build.update({ where: { id: fetching.id }, data: { status: "fetching" } });
    await store.finishBuild(fetching.id, "failed", "failed", { error: "failed", summary: { step: null, output: ["fatal: repository not found"], exitStatus: null } });
    expect(await dbModule.db().build.findUniqueOrThrow({ where: { id: fetching.id } })).toMatchObject({ failedPhase: "fetching", failureStep: null, failureOutput: ["fatal: repository not found"] });
    const cancelled = await createBuild("building");
    await store.finishBuild(cancelled.id, "cancelled", "cancelled");
    expect(await dbModule.db().build.findUniqueOrThrow({ where: { id: cancelled.id } })).toMatchObject({ failedPhase: null, failureStep: null, failureOutput: [] });
  });

  it("reads pages bounded by bytes, always at least one line", async () => {
    const build = await createBuild();
    const lines = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(1000, "."));
    await store.appendOutput(build.id, { firstSeq: 1, lines, logBytes: 0, linesConsumed: 100, truncated: false });
    const page = await store.readLinePage(dbModule.viewerDb(), build.id, { afterSeq: 10 }, 50, 5000);
    expect(page.map((line) => line.seq)).toEqual([11, 12, 13, 14, 15]);
    expect((await store.readLinePage(dbModule.viewerDb(), build.id, { afterSeq: 10 }, 50, 10)).map((line) => line.seq)).toEqual([11]);
    expect((await store.readLinePage(dbModule.viewerDb(), build.id, { afterSeq: 95, toSeq: 97 }, 50, 1e9)).map((line) => line.seq)).toEqual([96, 97]);
    expect((await store.readNewestLines(dbModule.viewerDb(), build.id, 100, 50, 3500)).map((line) => line.seq)).toEqual([98, 99, 100]);
  });

  it("keeps a big batch in bounded chunks and reads any range across them, by line number", async () => {
    const build = await createBuild();
    // 2,500 short lines, then 6 long ones (100 KiB each): chunks split by count and by size.
    const short = Array.from({ length: 2500 }, (_, i) => `line ${i + 1}`);
    const long = Array.from({ length: 6 }, (_, i) => `${2501 + i}:`.padEnd(100 * 1024, "x"));
    await store.appendOutput(build.id, { firstSeq: 1, lines: [...short, ...long], logBytes: 0, linesConsumed: 2506, truncated: false });
    await store.appendOutput(build.id, { firstSeq: 2507, lines: ["tail\u0000end"], logBytes: 0, linesConsumed: 2507, truncated: false });
    const chunks = await dbModule.db().$queryRaw<{ first_seq: number; last_seq: number; n: number; bytes: number }[]>`
      SELECT first_seq, last_seq, cardinality(lines) AS n, octet_length(array_to_string(lines, '')) AS bytes
      FROM build_log_chunks WHERE build_id = ${build.id}::uuid ORDER BY first_seq`;
    expect(chunks.map((c) => [c.first_seq, c.last_seq])).toEqual([[1, 1000], [1001, 2000], [2001, 2502], [2503, 2504], [2505, 2506], [2507, 2507]]);
    expect(chunks.every((c) => c.n <= store.CHUNK_LINES && (c.n === 1 || c.bytes <= store.CHUNK_BYTES))).toBe(true);

    const all = await store.readLines(build.id, 0, 10_000);
    expect(all.map((line) => line.seq)).toEqual(Array.from({ length: 2507 }, (_, i) => i + 1));
    expect(all[999]!.text).toBe("line 1000");
    expect(all[2502]!.text.startsWith("2503:")).toBe(true);
    expect(all[2506]!.text).toBe("tailend");
    // A page that starts inside one chunk and ends inside a later one.
    const across = await store.readLinePage(dbModule.viewerDb(), build.id, { afterSeq: 995, toSeq: 1003 }, 100, 1e9);
    expect(across.map((line) => line.text)).toEqual(["line 996", "line 997", "line 998", "line 999", "line 1000", "line 1001", "line 1002", "line 1003"]);
    // Bounded by bytes across chunks: one long line fits, the next would not.
    expect((await store.readLinePage(dbModule.viewerDb(), build.id, { afterSeq: 2502 }, 100, 150 * 1024)).map((line) => line.seq)).toEqual([2503]);
    expect((await store.readNewestLines(dbModule.viewerDb(), build.id, 2001, 3, 1e9)).map((line) => line.text)).toEqual(["line 1999", "line 2000", "line 2001"]);
    expect((await store.readNewestLines(dbModule.viewerDb(), build.id, 2507, 100, 250 * 1024)).map((line) => line.seq)).toEqual([2505, 2506, 2507]);
  });

  it("refuses a new queued build past the per-user limit", async () => {
    const other = (await dbModule.db().user.create({ data: { name: "queue-test" } })).id;
    for (let i = 0; i < 2; i += 1) await createBuild("queued", other);
    await createBuild("building", other);
    await expect(dbModule.db().$transaction((tx) => store.assertMayQueue(other, tx, 3))).resolves.toBeUndefined();
    await createBuild("queued", other);
    await expect(dbModule.db().$transaction((tx) => store.assertMayQueue(other, tx, 3))).rejects.toMatchObject({ code: "too_many_queued", status: 429 });
  });
});

describe("isTransientDatabaseError", () => {
  it("retries a full pool, a dropped connection and an unreachable server; not a bad query", async () => {
    const { isTransientDatabaseError, db } = dbModule;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();

    // A dropped connection: PostgreSQL terminates the backend mid-query (57P01).
    const dropped = db().$queryRaw`SELECT pg_sleep(5)::text AS slept`.then(() => null, (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%' AND pid <> pg_backend_pid()");
    expect(isTransientDatabaseError(await dropped)).toBe(true);
    await admin.end();

    // Nobody listening on the port.
    const { PrismaClient } = await import("@/lib/generated/prisma/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const unreachable = new PrismaClient({ adapter: new PrismaPg({ connectionString: "postgresql://kiln:kiln@127.0.0.1:9/kiln", connectionTimeoutMillis: 2000 }) });
    expect(isTransientDatabaseError(await unreachable.user.findFirst().catch((error: unknown) => error))).toBe(true);
    await unreachable.$disconnect();

    // A unique violation and a validation error are the query's fault: retrying cannot help.
    const duplicate = await db().user.create({ data: { name: "store-test" } }).catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(Error);
    expect(isTransientDatabaseError(duplicate)).toBe(false);
    const invalid = await db()
      .user.findFirst({ where: { id: "x" as unknown as number } })
      .catch((error: unknown) => error);
    expect(isTransientDatabaseError(invalid)).toBe(false);
  }, 30_000);

  it("retries a pool that stays full for its whole wait", async () => {
    const { isTransientDatabaseError, db } = dbModule;
    const size = Number(process.env.KILN_DB_POOL_SIZE ?? 10);
    const holding = Promise.all(Array.from({ length: size }, () => db().$queryRaw`SELECT pg_sleep(7)::text AS slept`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // pg reports this with a bare Error; Kiln's pool gives it a type (and Prisma a code).
    const waited = await db().$queryRaw`SELECT 1 AS one`.then(() => null, (error: unknown) => error);
    expect(waited).toBeInstanceOf(Error);
    expect(isTransientDatabaseError(waited)).toBe(true);
    await holding;
  }, 30_000);
});
