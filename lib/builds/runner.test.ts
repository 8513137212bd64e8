import { execFileSync } from "node:child_process";
import { setMaxListeners } from "node:events";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startGitServer, type GitServer } from "@/test/git-server";
import { peakGrowth } from "@/test/memory";
import { startProviderStub, type ProviderStub } from "@/test/provider-stub";
import { createMigratedDatabase, useTestEnvironment, type TempDatabase } from "@/test/temp-database";
import type { KilnUser } from "@/lib/auth/identity";

// The runner against the real engine and real repo2docker, with limits small enough to hit, and
// the database pools as configured by default.

// Podman's follow-mode logs API drops lines that come faster than it streams them (verified:
// about 1 in 8 of 3 million lines arrive). For containers listed here the runner gets the
// engine's complete output instead, read beforehand with `podman logs`, so a test can feed it
// millions of lines as fast as it takes them.
const completeOutput = vi.hoisted(() => new Map<string, Buffer>());
vi.mock("@/lib/engine/containers", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/engine/containers")>();
  const { Readable } = await import("node:stream");
  return {
    ...real,
    followOutput: async (id: string) => {
      const output = completeOutput.get(id);
      if (!output) return real.followOutput(id);
      return Readable.from(
        (function* () {
          for (let at = 0; at < output.length; at += 64 * 1024) yield output.subarray(at, at + 64 * 1024);
        })(),
      );
    },
  };
});


const builderImage = process.env.KILN_REPO2DOCKER_IMAGE ?? "localhost/kiln-repo2docker:2026.4.0";
const engineSocket = process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock";
const podman = (...args: string[]) => execFileSync("podman", ["--url", `unix://${engineSocket}`, ...args], { encoding: "utf8" }).trim();
/** repo2docker's image, with a wrapper that first prints what KILN_TEST_NOISE asks for. */
const noisyBuilder = `localhost/kiln-test-noisy-builder:${process.pid}`;
const FAULT_VOLUME_PREFIX = `kiln-test-fault-${process.pid}-`;

let database: TempDatabase;
let git: GitServer;
let stub: ProviderStub;
let runnerModule: typeof import("./runner");
let serverModule: typeof import("./server");
let dbModule: typeof import("@/lib/db");
let storeModule: typeof import("./store");
let userId: number;
const images: string[] = [];

beforeAll(async () => {
  database = await createMigratedDatabase();
  git = await startGitServer();
  stub = await startProviderStub();
  useTestEnvironment(database.url);
  runnerModule = await import("./runner");
  serverModule = await import("./server");
  dbModule = await import("@/lib/db");
  storeModule = await import("./store");
  userId = (await dbModule.db().user.create({ data: { name: "runner-test" } })).id;

  const context = mkdtempSync(path.join(tmpdir(), "kiln-noisy-builder-"));
  writeFileSync(
    path.join(context, "jupyter-repo2docker"),
    [
      "#!/bin/sh",
      'case "$KILN_TEST_NOISE" in',
      `  long-line) /opt/venv/bin/python3 -c 'import sys; sys.stdout.buffer.write(b"x" * (50 * 1024 * 1024) + b"\\n")' ;;`,
      '  engine-fault-once|engine-fault-always) /opt/venv/bin/python3 /opt/kiln-test-engine-fault.py "$KILN_TEST_NOISE" "$@" || exit 1 ;;',
      "esac",
      'exec /opt/venv/bin/repo2docker "$@"',
      "",
    ].join("\n"),
  );
  chmodSync(path.join(context, "jupyter-repo2docker"), 0o755);
  // Prints what Podman printed when its image store lost a layer under a build, and fails: every
  // time, or only on a build's first run (a volume named after the build's arguments remembers it).
  writeFileSync(
    path.join(context, "kiln-test-engine-fault.py"),
    [
      "import hashlib, sys, docker",
      "mode, args = sys.argv[1], sys.argv[2:]",
      `name = "${FAULT_VOLUME_PREFIX}" + hashlib.sha256(" ".join(args).encode()).hexdigest()[:16]`,
      "client = docker.from_env()",
      "try:",
      "    client.volumes.get(name)",
      "    seen = True",
      "except docker.errors.NotFound:",
      "    client.volumes.create(name)",
      "    seen = False",
      'if mode == "engine-fault-always" or not seen:',
      '    print("STEP 1/3: FROM localhost/kiln-singleuser:5.5.4", flush=True)',
      '    print("STEP 2/3: RUN echo building", flush=True)',
      '    print("Error: checking if cached image exists from a previous build: getting top layer info: layer not known", flush=True)',
      "    sys.exit(1)",
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(context, "Containerfile"), `FROM ${builderImage}\nCOPY jupyter-repo2docker /opt/venv/bin/jupyter-repo2docker\nCOPY kiln-test-engine-fault.py /opt/kiln-test-engine-fault.py\n`);
  podman("build", "--pull=never", "-t", noisyBuilder, "-f", path.join(context, "Containerfile"), context);
  rmSync(context, { recursive: true, force: true });
  images.push(noisyBuilder);
}, 180_000);

afterAll(async () => {
  for (const volume of podman("volume", "ls", "-q", "--filter", `name=${FAULT_VOLUME_PREFIX}`).split("\n").filter(Boolean)) podman("volume", "rm", "-f", volume);
  for (const image of images) {
    try {
      podman("rmi", "-f", image);
    } catch {
      // already gone
    }
  }
  await dbModule?.disconnectAll();
  await git?.stop();
  await stub?.close();
  await database?.drop();
}, 300_000);

/** The runner's settings for these tests: the real engine, limits overridable. */
function settingsFor(overrides: Omit<Limits, "noise"> = {}, noise?: string) {
  return {
    builderImage,
    engineSocketHost: engineSocket,
    engineSocketInBuilder: engineSocket,
    builderEnv: [`R2D_DATAVERSE_INSTALLATIONS_URL=${stub.base}/dataverse-installations.json`, ...(noise ? [`KILN_TEST_NOISE=${noise}`] : [])],
    imagePrefix: "kiln-runner-test-",
    push: false,
    concurrency: 1,
    perUser: 1,
    timeoutMs: 600_000,
    idleMs: 600_000,
    logMaxBytes: 10 * 1024 * 1024,
    logMaxLineBytes: 64 * 1024,
    queuedPerUser: 5,
    builderLimits: { memoryBytes: 2048 * 1024 * 1024, cpus: 1.5, pids: 1024 },
    ...overrides,
  };
}

type Limits = Partial<{ timeoutMs: number; idleMs: number; logMaxBytes: number; logMaxLineBytes: number; builderImage: string; noise: string }>;

/** Starts a build of a repository whose Dockerfile runs `dockerfileRun`; `result()` awaits its end. */
async function startBuild(name: string, dockerfileRun: string, limits: Limits = {}) {
  const sha = git.commit(name, { Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo "runner test ${name} ${Date.now()}"\n${dockerfileRun}\n` });
  const imageName = `kiln-runner-test-${name}:${sha}`;
  images.push(imageName);
  const { noise, ...settings } = limits;
  const build = await dbModule.db().build.create({
    data: {
      provider: "git",
      repoUrl: git.url(name),
      spec: `git/${encodeURIComponent(git.url(name))}/HEAD`,
      displayName: name,
      requestedRef: "HEAD",
      resolvedRef: sha,
      imageName,
      builderImage: settings.builderImage ?? builderImage,
      status: "fetching",
      startedAt: new Date(),
      requestedById: userId,
    },
  });
  const runner = new runnerModule.BuildRunner(build, settingsFor(settings, noise));
  const result = async () => {
    const outcome = await runner.done;
    const finished = await dbModule.db().build.findUnique({ where: { id: build.id } });
    const lines = await storeModule.readLines(build.id, 0, Number.MAX_SAFE_INTEGER);
    const rows = await storedLineCount(build.id);
    const containers = podman("ps", "-a", "-q", "--filter", `label=${runnerModule.BUILD_LABEL}=${build.id}`);
    return { outcome, finished, lines, rows, containers };
  };
  return { build, runner, result };
}

async function runBuild(name: string, dockerfileRun: string, limits: Limits = {}) {
  const started = await startBuild(name, dockerfileRun, limits);
  const { finished, ...rest } = await started.result();
  return { finished: finished!, ...rest };
}

/** Resolves once the build has stored at least `count` lines. */
async function untilLines(buildId: string, count: number): Promise<void> {
  for (;;) {
    const build = await dbModule.db().build.findUniqueOrThrow({ where: { id: buildId } });
    if (build.logLines >= count) return;
    if (!["queued", "fetching", "building", "pushing"].includes(build.status)) throw new Error(`build ended early: ${build.status} ${build.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Lines stored in the build's chunks, counted by PostgreSQL (so a line stored twice counts twice). */
async function storedLineCount(buildId: string): Promise<number> {
  const [row] = await dbModule.db().$queryRaw<{ lines: number }[]>`
    SELECT coalesce(sum(cardinality(lines)), 0)::int AS lines FROM build_log_chunks WHERE build_id = ${buildId}::uuid`;
  return row!.lines;
}

/** Resolves once the build has stored a line starting with `text`. */
async function untilText(buildId: string, text: string): Promise<void> {
  for (;;) {
    const [found] = await dbModule.db().$queryRaw<unknown[]>`
      SELECT 1 FROM build_log_chunks c WHERE c.build_id = ${buildId}::uuid AND EXISTS (SELECT 1 FROM unnest(c.lines) AS t WHERE starts_with(t, ${text}))`;
    if (found) return;
    const build = await dbModule.db().build.findUniqueOrThrow({ where: { id: buildId } });
    if (!["queued", "fetching", "building", "pushing"].includes(build.status)) throw new Error(`build ended early: ${build.status} ${build.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads a build's SSE body to its end (or through `stopAfter` lines events): the seqs received. */
async function watch(response: Response, stopAfter = Infinity): Promise<{ seqs: number[]; ended: boolean; lastId: number }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const seen = { seqs: [] as number[], ended: false, lastId: 0 };
  let linesEvents = 0;
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return seen;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end).split("\n");
      buffer = buffer.slice(end + 2);
      const field = (name: string) => block.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      if (field("id")) seen.lastId = Number(field("id"));
      if (field("event") === "end") seen.ended = true;
      if (field("event") === "lines") {
        seen.seqs.push(...(JSON.parse(field("data")!) as [number, string][]).map(([seq]) => seq));
        linesEvents += 1;
        if (linesEvents >= stopAfter) {
          await reader.cancel();
          return seen;
        }
      }
    }
  }
}

describe("BuildRunner limits", () => {
  it("keeps the log up to its size limit, says so, and still completes the build", async () => {
    const { finished, lines, containers } = await runBuild("big-log", 'RUN for i in $(seq 1 300); do echo "line $i $(printf "%0100d" 0)"; done', { logMaxBytes: 4000 });
    expect(finished.status).toBe("built");
    expect(finished.logTruncated).toBe(true);
    expect(finished.logBytes).toBeLessThanOrEqual(4000);
    expect(lines.map((l) => l.text).join("\n")).toContain("Kiln keeps the first 4000 bytes of a build's log; the rest is not stored. The build goes on.");
    expect(lines.at(-1)?.text).toContain("Built kiln-runner-test-big-log");
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(podman("image", "exists", finished.imageName) === "").toBe(true);
    expect(containers).toBe("");
  }, 120_000);

  it("stops a build that prints nothing for too long", async () => {
    const { finished, containers } = await runBuild("idle", "RUN sleep 60", { idleMs: 4000 });
    expect(finished.status).toBe("failed");
    expect(finished.error).toBe("The build printed nothing for 4 seconds, so Kiln stopped it.");
    expect(containers).toBe("");
  }, 120_000);

  it("stops a build that runs longer than allowed", async () => {
    const { finished, lines } = await runBuild("slow", 'RUN for i in $(seq 1 120); do echo "tick $i"; sleep 0.5; done', { timeoutMs: 8000 });
    expect(finished.status).toBe("failed");
    expect(finished.error).toBe("The build took longer than the 8 seconds a build may take, so Kiln stopped it.");
    expect(lines.some((l) => l.text === "tick 2")).toBe(true);
    expect(lines.some((l) => l.text === "tick 100")).toBe(false);
  }, 120_000);
});

describe("BuildRunner under hostile output", () => {
  it("cuts a 50 MB line without a newline, marks it, records the truncation, and keeps Kiln's heap growth under 32 MiB", async () => {
    const { result: run, growth } = await peakGrowth(() => runBuild("long-line", "RUN true", { builderImage: noisyBuilder, noise: "long-line" }));
    const { finished, lines, containers } = run;
    console.log(`[runner.test] 50 MB line: live heap growth ${growth} bytes`);
    expect(finished.status).toBe("built");
    expect(finished.logTruncated).toBe(true);
    const cut = lines.find((l) => l.text.startsWith("xxxx"));
    expect(cut).toBeDefined();
    // 50 MiB less the 64 KiB kept (Podman's log stream may lose a little of it on the way).
    const left = Number(/Kiln keeps 64 KiB of a line; (\d+) more bytes of this one are not stored/.exec(cut!.text)?.[1]);
    expect(left).toBeGreaterThan(40 * 1024 * 1024);
    expect(left).toBeLessThanOrEqual(50 * 1024 * 1024 - 64 * 1024);
    expect(Buffer.byteLength(cut!.text)).toBeLessThan(64 * 1024 + 200);
    expect(lines.at(-1)?.text).toContain("Built kiln-runner-test-long-line");
    expect(containers).toBe("");
    // Stated bound: 32 MiB of live heap and buffers; the old splitter held the whole line, more than once.
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  }, 300_000);

  it("stores 3 million empty lines within the log's cap: rows are bounded and the truncation recorded", async () => {
    // The runner re-attaches to a finished container, as after a restart, and reads its whole
    // output as fast as it is served (see completeOutput above).
    const cap = 10 * 1024 * 1024;
    const build = await dbModule.db().build.create({
      data: {
        provider: "git",
        repoUrl: "git://127.0.0.1:9/empty-lines.git",
        spec: "git/empty-lines/HEAD",
        displayName: "empty-lines",
        requestedRef: "HEAD",
        resolvedRef: "0".repeat(40),
        // Already in the engine, so the build can end built.
        imageName: "localhost/kiln-singleuser:5.5.4",
        builderImage,
        status: "building",
        startedAt: new Date(),
        requestedById: userId,
      },
    });
    const container = podman(
      "run", "-d", "-t", "--network", "host", "--label", `${runnerModule.BUILD_LABEL}=${build.id}`, builderImage,
      "/opt/venv/bin/python3", "-c", 'import sys; sys.stdout.buffer.write(b"\\n" * 3000000); sys.stdout.flush()',
    );
    expect(podman("wait", container)).toBe("0");
    // What the engine holds for it: the TTY turned each newline into CRLF. (Made here, not read
    // back with `podman logs`, which takes Podman two minutes for 3 million lines.)
    completeOutput.set(container, Buffer.from("\r\n".repeat(3_000_000)));
    const { result: outcome, growth } = await peakGrowth(() => new runnerModule.BuildRunner(build, settingsFor()).done);
    const finished = await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } });
    const rows = await storedLineCount(build.id);
    const last = (await storeModule.readNewestLines(dbModule.db(), build.id, finished.logLines, 2, 1024 * 1024)).reverse();
    console.log(`[runner.test] 3M empty lines: ${rows} lines stored, ${finished.linesConsumed} lines read, live heap growth ${growth} bytes`);
    expect(outcome).toBe("finished");
    expect(finished.status).toBe("built");
    expect(finished.logTruncated).toBe(true);
    expect(finished.logBytes).toBeLessThanOrEqual(cap);
    // Every line counts LINE_OVERHEAD_BYTES against the cap, so at most cap / overhead lines (+ the closing line).
    expect(rows).toBeLessThanOrEqual(Math.floor(cap / runnerModule.LINE_OVERHEAD_BYTES) + 1);
    expect(rows).toBe(finished.logLines);
    expect(last[1]?.text).toContain("Kiln keeps the first 10 MiB of a build's log; the rest is not stored.");
    expect(last[0]?.text).toContain("Built localhost/kiln-singleuser:5.5.4");
    expect(podman("ps", "-a", "-q", "--filter", `label=${runnerModule.BUILD_LABEL}=${build.id}`)).toBe("");
    // Stated bound: 32 MiB of live heap and buffers (the old runner held every pending line: 780 MB).
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  }, 600_000);
});

describe("BuildRunner and the engine failing under a build", () => {
  it("runs the build again once when the engine's image store fails, and it ends built with both runs in its log", async () => {
    const { finished, lines, containers } = await runBuild("engine-fault-once", "RUN echo second-run-marker", { builderImage: noisyBuilder, noise: "engine-fault-once" });
    expect(finished.status).toBe("built");
    const texts = lines.map((line) => line.text);
    const fault = texts.findIndex((text) => text.includes("layer not known"));
    const again = texts.findIndex((text) => text.includes("Kiln builds it again (run 2 of 2)"));
    expect(fault).toBeGreaterThanOrEqual(0);
    expect(again).toBeGreaterThan(fault);
    expect(texts.slice(again).some((text) => text.includes("second-run-marker"))).toBe(true);
    expect(texts.filter((text) => text.includes("Kiln builds it again"))).toHaveLength(1);
    expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index + 1));
    expect(containers).toBe("");
  });

  it("gives up after the second run and says it is the engine's fault, not the repository's", async () => {
    const { finished, lines, containers } = await runBuild("engine-fault-always", "RUN true", { builderImage: noisyBuilder, noise: "engine-fault-always" });
    expect(finished.status).toBe("failed");
    expect(finished.error).toMatch(/^The container engine failed under the build .*This is not a problem with the repository: build it again/);
    expect(lines.filter((line) => line.text.includes("Kiln builds it again"))).toHaveLength(1);
    expect(lines.filter((line) => line.text.startsWith("Error: checking if cached image exists"))).toHaveLength(2); // one per run
    expect(containers).toBe("");
  });

  it("never runs again a build whose own step failed", async () => {
    const { finished, lines } = await runBuild("own-failure", "RUN echo 'Error: my own error' && exit 4");
    expect(finished.status).toBe("failed");
    expect(lines.filter((line) => line.text.includes("Kiln builds it again"))).toHaveLength(0);
  });
});

describe("BuildRunner and the database", () => {
  it("300 viewers of a live build leave it built, and each sees every line exactly once", async () => {
    // A long log first (each new viewer catches up on it), then more lines while they watch.
    const { build, result } = await startBuild(
      "watched",
      'RUN seq 1 10000 | sed "s/$/ ..................................................................../"; sleep 1; for i in $(seq 1 40); do seq 1 25 | sed "s/^/tick $i line /"; sleep 0.2; done',
    );
    // People who asked for the build, so each may watch it; each opens its own stream.
    const names = Array.from({ length: 300 }, (_, i) => `viewer-${i}`);
    await dbModule.db().user.createMany({ data: names.map((name) => ({ name })) });
    const users = await dbModule.db().user.findMany({ where: { name: { in: names } } });
    await dbModule.db().libraryEntry.createMany({ data: users.map((user) => ({ buildId: build.id, userId: user.id })) });
    const viewer = (name: string): KilnUser => ({ name, isAdmin: false, isModerator: false, groups: [] });
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);

    await untilText(build.id, "tick 1 line 1");
    const watching = names.map(async (name, i) => {
      // A tenth of them drop their connection once and come back with Last-Event-ID.
      if (i % 10 === 0) {
        const first = await watch(await serverModule.eventStream(build.id, viewer(name), null, controller.signal), 1);
        const rest = await watch(await serverModule.eventStream(build.id, viewer(name), String(first.lastId), controller.signal));
        return { ...rest, seqs: [...first.seqs, ...rest.seqs] };
      }
      return watch(await serverModule.eventStream(build.id, viewer(name), null, controller.signal));
    });
    const { finished, lines, containers } = await result();
    const seen = await Promise.all(watching);

    expect(finished!.status).toBe("built");
    expect(containers).toBe("");
    const expected = lines.map((line) => line.seq);
    expect(expected).toEqual(expected.map((_, i) => i + 1));
    for (const viewerSaw of seen) {
      expect(viewerSaw.ended).toBe(true);
      expect(viewerSaw.seqs).toEqual(expected);
    }
  }, 300_000);

  it("rides out a full pool and dropped connections mid-build, and still ends built", async () => {
    const { build, result } = await startBuild("db-trouble", 'RUN for i in $(seq 1 60); do echo "tick $i"; sleep 0.25; done');
    await untilLines(build.id, 5);
    // Every connection of the builds' pool busy for longer than a transaction waits (P2028) ...
    const size = Number(process.env.KILN_DB_POOL_SIZE ?? 10);
    await Promise.all(Array.from({ length: size }, () => dbModule.db().$queryRaw`SELECT pg_sleep(4)::text`));
    // ... then every connection to the database dropped by the server (57P01).
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    await admin.end();
    const { outcome, finished, lines, containers } = await result();
    expect(outcome).toBe("finished");
    expect(finished!.status).toBe("built");
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.filter((l) => l.text.startsWith("tick ")).map((l) => l.text)).toEqual(Array.from({ length: 60 }, (_, i) => `tick ${i + 1}`));
    expect(containers).toBe("");
  }, 300_000);

  it("removes the builder container when the build fails inside Kiln", async () => {
    const { build, result } = await startBuild("vanishing", 'RUN for i in $(seq 1 200); do echo "tick $i"; sleep 0.1; done');
    await untilLines(build.id, 3);
    // The build's row disappears under the runner: its next write fails for good (P2025).
    await dbModule.db().build.delete({ where: { id: build.id } });
    const { outcome, finished, containers } = await result();
    expect(outcome).toBe("finished");
    expect(finished).toBeNull();
    expect(containers).toBe("");
  }, 120_000);
});

describe("BuildRunner and repo2docker's content providers", () => {
  it("lets repo2docker fetch only with the provider Kiln chose: a CKAN-looking URL is never asked as CKAN", async () => {
    const { createServer } = await import("node:http");
    const asked: string[] = [];
    const trap = createServer((request, response) => {
      asked.push(request.url ?? "");
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(trap.address() as { port: number }).port}/org/dataset/data`;
    try {
      const build = await dbModule.db().build.create({
        data: {
          provider: "git",
          repoUrl: url,
          spec: `git/${encodeURIComponent(url)}/HEAD`,
          displayName: "ckan-lookalike",
          requestedRef: "HEAD",
          resolvedRef: "0".repeat(40),
          imageName: "kiln-runner-test-ckan-lookalike:latest",
          builderImage,
          status: "fetching",
          startedAt: new Date(),
          requestedById: userId,
        },
      });
      const runner = new runnerModule.BuildRunner(build, settingsFor());
      expect(await runner.done).toBe("finished");
      const finished = await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } });
      expect(finished.status).toBe("failed");
      // Git asked for refs; CKAN would have asked /api/3/action/status_show first.
      expect(asked.some((path) => path.includes("/info/refs"))).toBe(true);
      expect(asked.filter((path) => path.includes("/api/3/action"))).toEqual([]);
    } finally {
      trap.close();
    }
  });
});

describe("duration", () => {
  it("names short limits in seconds and long ones in minutes", () => {
    expect(runnerModule.duration(1000)).toBe("1 second");
    expect(runnerModule.duration(90_000)).toBe("90 seconds");
    expect(runnerModule.duration(3_600_000)).toBe("60 minutes");
  });
});
