// npm run bench:logs — log streaming under load, against the running stack (scripts/stack-up.sh).
//
// First the same repository content built with repo2docker run by hand: its wall time and the
// delay from a line being printed to reaching its reader are the baseline. Then through Kiln,
// watched by 1, 10 and 100 concurrent viewers: lines per second, the delay each line takes to
// reach every viewer, and Kiln's memory. Then log storage: a million lines appended as Kiln
// stores them, against the row-per-line layout Kiln used before, bytes per line and time.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { commitFiles, startGitDaemon } from "../test/git-server";
import { db } from "../lib/db";
import { appendOutput } from "../lib/builds/store";
import { KILN, postJson, quantile, signIn, type BenchSession } from "./bench-support";
import { summary, target } from "./bench-report";

const GIT_PORT = Number(process.env.KILN_E2E_GIT_PORT ?? 9418);
const STATE = process.env.KILN_STATE ?? "/var/lib/kiln";
const SOCKET = process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock";
const BUILDER = process.env.KILN_REPO2DOCKER_IMAGE ?? "localhost/kiln-repo2docker:2026.4.0";
const LINES = Number(process.env.BENCH_LINES ?? 20000);
const VIEWERS = (process.env.BENCH_VIEWERS ?? "1,10,100").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const JOIN_SECONDS = Number(process.env.BENCH_JOIN_SECONDS ?? 15);
/** BENCH_DIRECT=1: viewers connect to Kiln's own port, not through the Hub's proxy (to see the proxy's share). */
const VIEWER_BASE = process.env.BENCH_DIRECT === "1" ? `http://127.0.0.1:${process.env.KILN_PORT ?? 3030}/services/kiln` : KILN;

const root = mkdtempSync(path.join(tmpdir(), "kiln-bench-git-"));
const nanoLine = (n: number) =>
  `RUN python3 -c 'import time; [print("bench-line", i, time.time_ns(), flush=True) for i in range(${n})]'`;

function repo(label: string, run: string): string {
  const name = `${label}-${Date.now().toString(36)}`;
  commitFiles(root, name, { Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo "${name}"\n${run}\n` });
  return `git://127.0.0.1:${GIT_PORT}/${name}.git`;
}


async function startBuild(session: BenchSession, repository: string): Promise<string> {
  const response = await postJson(session, "/api/builds", { repository, ref: "", path: "" });
  const body = (await response.json()) as { build?: { id: string }; detail?: string };
  if (!body.build) throw new Error(`POST /api/builds: ${response.status} ${body.detail}`);
  return body.build.id;
}

interface ViewerResult {
  lines: number;
  lastSeq: number;
  /** Lines that did not follow the one before (repeated, skipped or out of order). */
  outOfOrder: number;
  /** [bench line number, when it arrived, when it was printed] for the timed lines. */
  received: [number, number, number][];
  firstPrinted?: number;
  connectedAt?: number;
  delaysMs: number[];
  firstAt: number;
  lastAt: number;
  statusTimes: Record<string, number>;
}

/** Reads one build's event stream to its end, timing one bench line in `sampleEvery`. */
async function view(session: BenchSession, id: string, sampleEvery = 1): Promise<ViewerResult> {
  const response = await fetch(`${VIEWER_BASE}/api/builds/${id}/events`, { headers: { cookie: session.cookie } });
  if (!response.ok) console.log(`  a viewer's stream was refused: ${response.status} ${await response.clone().text()}`);
  const connectedAt = wallClockMs();
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const result: ViewerResult = { connectedAt, received: [], lines: 0, lastSeq: 0, outOfOrder: 0, delaysMs: [], firstAt: 0, lastAt: 0, statusTimes: {} };
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return result;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? "";
      const nowMs = wallClockMs();
      if (event === "lines") {
        for (const [seq, text] of JSON.parse(data) as [number, string][]) {
          // Every line exactly once, in order.
          if (seq !== result.lastSeq + 1) result.outOfOrder += 1;
          result.lastSeq = seq;
          if (!text.startsWith("bench-line ")) continue;
          result.lines += 1;
          if (!result.firstAt && process.env.BENCH_DEBUG) result.firstPrinted = Number(text.slice(text.lastIndexOf(" ") + 1)) / 1e6;
          result.firstAt ||= nowMs;
          result.lastAt = nowMs;
          // A hundred viewers in this one process: time a sample of lines, so that reading them
          // here does not become what is measured (every line still counts above).
          if (result.lines % sampleEvery !== 1 % sampleEvery) continue;
          result.delaysMs.push(nowMs - Number(text.slice(text.lastIndexOf(" ") + 1)) / 1e6);
          result.received.push([Number(text.slice(11, text.indexOf(" ", 11))), nowMs, Number(text.slice(text.lastIndexOf(" ") + 1)) / 1e6]);
        }
      } else if (event === "status") {
        const status = (JSON.parse(data) as { status: string }).status;
        result.statusTimes[status] ??= Date.now();
      } else if (event === "end") {
        await reader.cancel();
        return result;
      }
    }
  }
}

const STREAMS_PER_USER = Number(process.env.KILN_STREAMS_PER_USER ?? 10);
/** Wall-clock milliseconds with microseconds, from the monotonic clock (Date.now() steps by 1 ms). */
const wallClockMs = () => performance.timeOrigin + performance.now();

function kilnRssMb(): number {
  const leader = Number(readFileSync(path.join(STATE, "kiln.pid"), "utf8"));
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgid !== leader) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      total += Number(rss?.[1] ?? 0);
    } catch {
      // the process ended
    }
  }
  return total / 1024;
}

/** Calls `onLine` with each bench line a container's output carries: its number, when it was printed, when it arrived here. */
function onBenchLines(output: NodeJS.ReadableStream, onLine: (line: number, printedMs: number, arrivedMs: number) => void): void {
  let pending = "";
  output.on("data", (chunk: Buffer) => {
    const arrivedMs = wallClockMs();
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const match = /bench-line (\d+) (\d+)/.exec(line);
      if (match) onLine(Number(match[1]), Number(match[2]) / 1e6, arrivedMs);
    }
  });
}

/**
 * The same repo2docker container run by hand through the same engine API, as Kiln runs it (a
 * terminal, the host network, the engine socket, Kiln's default CPU and memory limits), its
 * output read as it comes: the wall time, and each bench line's delay at the reader.
 */
async function buildByHand(repository: string): Promise<{ seconds: number; delaysMs: number[] }> {
  const engine = new Docker({ socketPath: SOCKET });
  const started = Date.now();
  const image = `kiln-bench-byhand:${Date.now()}`;
  const container = await engine.createContainer({
    Image: BUILDER,
    Tty: true,
    Cmd: [
      "jupyter-repo2docker", "--no-run", "--json-logs", "--user-id", "1000", "--user-name", "jovyan",
      "--image-name", image, "--target-repo-dir", "/srv/repo", repository,
    ],
    Env: [
      `DOCKER_HOST=unix://${SOCKET}`, `CONTAINER_HOST=unix://${SOCKET}`,
      `R2D_DATAVERSE_INSTALLATIONS_URL=http://127.0.0.1:${process.env.KILN_PORT ?? 3030}/services/kiln/api/dataverse-installations`,
    ],
    HostConfig: { NetworkMode: "host", Binds: [`${SOCKET}:${SOCKET}`], Memory: 4096 * 1024 * 1024, MemorySwap: 4096 * 1024 * 1024, NanoCpus: 1.5e9 },
  });
  await container.start();
  const output = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
  const delaysMs: number[] = [];
  onBenchLines(output, (_, printedMs, arrivedMs) => delaysMs.push(arrivedMs - printedMs));
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  const seconds = (Date.now() - started) / 1000;
  await container.remove({ force: true });
  // Not left behind: an engine holding hundreds of images answers everything slowly.
  await engine.getImage(image).remove().catch(() => undefined);
  if (StatusCode !== 0) throw new Error(`repo2docker by hand exited ${StatusCode}`);
  return { seconds, delaysMs };
}

/** A million lines appended as the runner stores a flood, against the row-per-line layout. */
async function storage(total: number, batch: number) {
  const client = db();
  const owner = await client.user.upsert({ where: { name: "bench-logs-storage" }, create: { name: "bench-logs-storage" }, update: {} });
  const text = (i: number) => `Step ${i % 40}/40 : RUN pip install --no-cache-dir package-${i % 997}==1.${i % 13}.${i % 7}  # ${i}`;
  const newBuild = (label: string) =>
    client.build.create({
      data: {
        provider: "git", repoUrl: `git://127.0.0.1:9/${label}.git`, spec: `git/${label}/HEAD`, displayName: label, requestedRef: "HEAD",
        resolvedRef: "0".repeat(40), imageName: `kiln-bench-${label}:latest`, builderImage: "unused", status: "building", requestedById: owner.id,
      },
    });
  const size = async (table: string) => Number((await client.$queryRawUnsafe<{ bytes: bigint }[]>(`SELECT pg_total_relation_size('${table}') AS bytes`))[0]!.bytes);

  // The layout before chunks: a row per line, written as Kiln wrote it (same transaction shape).
  await client.$executeRawUnsafe(`DROP TABLE IF EXISTS bench_log_lines_rowwise`);
  await client.$executeRawUnsafe(`CREATE TABLE bench_log_lines_rowwise (build_id uuid NOT NULL, seq int NOT NULL, text text NOT NULL, at timestamptz(3) DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (build_id, seq))`);
  const rowwise = await newBuild(`storage-rows-${Date.now()}`);
  const rowsBefore = await size("bench_log_lines_rowwise");
  let started = Date.now();
  for (let first = 1; first <= total; first += batch) {
    const seqs = Array.from({ length: Math.min(batch, total - first + 1) }, (_, i) => first + i);
    const texts = seqs.map(text);
    await client.$transaction([
      client.$executeRaw`INSERT INTO bench_log_lines_rowwise (build_id, seq, text) SELECT ${rowwise.id}::uuid, s, t FROM unnest(${seqs}::int[], ${texts}::text[]) AS x(s, t) ON CONFLICT (build_id, seq) DO NOTHING`,
      client.build.update({ where: { id: rowwise.id }, data: { logLines: seqs.at(-1)!, lastOutputAt: new Date(), linesConsumed: seqs.at(-1)! } }),
      client.$executeRaw`SELECT pg_notify('kiln_bench', ${rowwise.id})`,
    ]);
  }
  const rowsSeconds = (Date.now() - started) / 1000;
  const rowsBytes = ((await size("bench_log_lines_rowwise")) - rowsBefore) / total;

  const chunked = await newBuild(`storage-chunks-${Date.now()}`);
  const chunksBefore = await size("build_log_chunks");
  started = Date.now();
  for (let first = 1; first <= total; first += batch) {
    const lines = Array.from({ length: Math.min(batch, total - first + 1) }, (_, i) => text(first + i));
    await appendOutput(chunked.id, { firstSeq: first, lines, logBytes: 0, linesConsumed: first + lines.length - 1, truncated: false });
  }
  const chunksSeconds = (Date.now() - started) / 1000;
  const chunksBytes = ((await size("build_log_chunks")) - chunksBefore) / total;
  const textBytes = Buffer.byteLength(Array.from({ length: 1000 }, (_, i) => text(i)).join("")) / 1000;

  await client.build.deleteMany({ where: { id: { in: [rowwise.id, chunked.id] } } });
  await client.$executeRawUnsafe(`DROP TABLE bench_log_lines_rowwise`);
  return { rowsSeconds, rowsBytes, chunksSeconds, chunksBytes, textBytes };
}

/**
 * Follows the builder container Kiln started for `buildId` through the engine's API, as a reader
 * of the container's own output would: when each bench line arrived. The same lines, in the same
 * run, as Kiln's viewers get them, so the difference is what Kiln adds.
 */
async function followBuilder(buildId: string): Promise<{ arrivals: Promise<Map<number, number>> }> {
  const engine = new Docker({ socketPath: SOCKET });
  for (let i = 0; i < 600; i += 1) {
    // Running, not only created: following a container that has not started ends at once.
    const [found] = await engine.listContainers({ filters: { label: [`org.kiln.build-id=${buildId}`], status: ["running"] } });
    if (found) {
      const output = (await engine.getContainer(found.Id).logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
      const arrived = new Map<number, number>();
      onBenchLines(output, (line, _, arrivedMs) => arrived.set(line, arrivedMs));
      // Wrapped: an async function returning a promise would wait for it (the whole build).
      return {
        arrivals: new Promise((resolve) => {
          output.on("end", () => resolve(arrived));
          output.on("error", () => resolve(arrived));
        }),
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no builder container for build ${buildId}`);
}

interface ViewersRow {
  viewers: number;
  perViewer: number;
  median: number;
  p99: number;
  beforeMb: number;
  peakMb: number;
  buildSeconds: number;
  pushSeconds: number;
  complete: boolean;
  /** The timed lines' delays from being printed: to Kiln's viewers, and to a reader of the same container's output. */
  kilnDelays: number[];
  engineDelays: number[];
}

let session: BenchSession;
let watchers: BenchSession[] = [];

/** One build through Kiln watched by `viewers` streams at once, from the request to `end`. */
async function throughKiln(viewers: number): Promise<ViewersRow> {
  const before = kilnRssMb();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, kilnRssMb())), 200);
  // Several people join the build and open their streams before it prints: a pause first, so
  // what is timed is live delivery, not a late joiner catching up.
  const repository = repo(`bench-${viewers}`, viewers > 1 ? `RUN sleep ${JOIN_SECONDS}\n${nanoLine(LINES)}` : nanoLine(LINES));
  const requested = Date.now();
  const id = await startBuild(session, repository);
  const engineArrivals = await followBuilder(id);
  const people = viewers > 1 ? watchers.slice(0, Math.ceil(viewers / STREAMS_PER_USER)) : [session];
  if (viewers > 1) await Promise.all(people.map((person) => startBuild(person, repository)));
  const viewersStartAt = wallClockMs();
  const results = await Promise.all(Array.from({ length: viewers }, (_, i) => view(people[i % people.length]!, id, viewers >= 100 ? 10 : 1)));
  clearInterval(sampler);
  const delays = results.flatMap((r) => r.delaysMs);
  const arrived = await engineArrivals.arrivals;
  const matched = results.flatMap((r) => r.received.filter(([line]) => arrived.has(line)));
  if (process.env.BENCH_DEBUG) {
    const t0 = Math.min(...results.map((r) => r.firstPrinted ?? Infinity));
    const firsts = results.map((r) => Math.round(r.firstAt - t0)).sort((a, b) => a - b);
    const lasts = results.map((r) => Math.round(r.lastAt - t0)).sort((a, b) => a - b);
    const conn = results.map((r) => Math.round(r.connectedAt! - t0)).sort((a, b) => a - b);
    console.log(`viewers opened at ${Math.round(viewersStartAt - t0)} ms; connected ${conn[0]}..${conn.at(-1)} ms; first bench line printed at 0; first received ${firsts[0]}..${firsts.at(-1)} ms; last received ${lasts[0]}..${lasts.at(-1)} ms`);
  }
  for (const r of results) if (r.lines !== LINES || r.outOfOrder) console.log(`  a viewer of ${viewers}: ${r.lines} bench lines, ${r.outOfOrder} out of order, last seq ${r.lastSeq}`);
  const times = results[0]!.statusTimes;
  const pushSeconds = times.pushing && times.built ? (times.built - times.pushing) / 1000 : 0;
  return {
    viewers,
    perViewer: quantile(results.map((r) => r.lines / Math.max(0.001, (r.lastAt - r.firstAt) / 1000)), 0.5),
    median: quantile(delays, 0.5),
    p99: quantile(delays, 0.99),
    beforeMb: before,
    peakMb: peak,
    buildSeconds: ((times.built ?? NaN) - requested) / 1000 - pushSeconds,
    pushSeconds,
    complete: results.every((r) => r.lines === LINES && r.outOfOrder === 0),
    kilnDelays: matched.map(([, at, printed]) => at - printed),
    engineDelays: matched.map(([line, , printed]) => arrived.get(line)! - printed),
  };
}

async function main() {
  const daemon = await startGitDaemon(root, GIT_PORT);
  try {
    // A user of its own (and its viewers), never a demo account someone may be using.
    // A new one each run: a run makes several builds, and each person may start only so many an hour.
    const user = process.env.BENCH_USER ?? `bench-logs-${Date.now().toString(36)}`;
    session = await signIn(user);
    // Kiln lets one person watch STREAMS_PER_USER builds at once, so 100 viewers are 10 people,
    // each with the repository in their library (a second request joins the same build).
    watchers = await Promise.all(Array.from({ length: Math.ceil(Math.max(...VIEWERS) / STREAMS_PER_USER) }, (_, i) => signIn(`${user}-viewer-${i}`)));

    // The engine's own delivery of a build's output varies by hundreds of milliseconds from one
    // run to the next here, so runs by hand and through Kiln alternate, and medians are compared.
    console.log(`A repository printing ${LINES} lines, built by hand and through Kiln (1 viewer) in turn, ${ROUNDS} rounds:`);
    console.log("round | by hand: build, delay median, p99 | Kiln, 1 viewer: build (push apart), delay median, p99");
    const hand: { seconds: number; median: number; p99: number }[] = [];
    const rows: ViewersRow[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const byHand = await buildByHand(repo("bench-byhand", nanoLine(LINES)));
      hand.push({ seconds: byHand.seconds, median: quantile(byHand.delaysMs, 0.5), p99: quantile(byHand.delaysMs, 0.99) });
      const kiln = await throughKiln(1);
      rows.push(kiln);
      const h = hand.at(-1)!;
      console.log(
        `${String(round).padStart(5)} | ${h.seconds.toFixed(2)} s, ${h.median.toFixed(0)} ms, ${h.p99.toFixed(0)} ms | ${kiln.buildSeconds.toFixed(2)} s (+${kiln.pushSeconds.toFixed(2)} s), ${kiln.median.toFixed(0)} ms, ${kiln.p99.toFixed(0)} ms (its container's own reader: ${quantile(kiln.engineDelays, 0.5).toFixed(0)} ms, ${quantile(kiln.engineDelays, 0.99).toFixed(0)} ms)${kiln.complete ? "" : " (INCOMPLETE)"}`,
      );
    }
    const med = (values: number[]) => quantile(values, 0.5);
    const handSeconds = med(hand.map((h) => h.seconds));
    const one = { median: med(rows.map((r) => r.median)), p99: med(rows.map((r) => r.p99)), buildSeconds: med(rows.map((r) => r.buildSeconds)), peakMb: Math.max(...rows.map((r) => r.peakMb)) };

    console.log(`\nThrough Kiln, watched live through the Hub's proxy`);
    console.log("viewers | lines/s per viewer | lines/s all viewers | delay median | delay p99 | container's reader: median, p99 | Kiln RSS before → peak");
    const many: ViewersRow[] = [];
    for (const viewers of VIEWERS.filter((n) => n > 1)) many.push(await throughKiln(viewers));
    for (const row of [rows.at(-1)!, ...many]) {
      console.log(
        `${String(row.viewers).padStart(7)} | ${row.perViewer.toFixed(0).padStart(18)} | ${(row.perViewer * row.viewers).toFixed(0).padStart(19)} | ${row.median.toFixed(0).padStart(9)} ms | ${row.p99.toFixed(0).padStart(6)} ms | ${quantile(row.engineDelays, 0.5).toFixed(0).padStart(13)} ms, ${quantile(row.engineDelays, 0.99).toFixed(0)} ms | ${row.beforeMb.toFixed(0)} → ${row.peakMb.toFixed(0)} MB${row.complete ? "" : "  (INCOMPLETE: some viewer missed lines)"}`,
      );
    }

    const storageLines = Number(process.env.BENCH_STORAGE_LINES ?? 1_000_000);
    console.log(`\nStorage: ${storageLines} lines appended in batches of 500, as Kiln stores a flood`);
    const stored = await storage(storageLines, 500);
    console.log(`  chunks (Kiln)      ${stored.chunksSeconds.toFixed(2)} s, ${stored.chunksBytes.toFixed(1)} bytes per line (text ${stored.textBytes.toFixed(1)})`);
    console.log(`  a row per line     ${stored.rowsSeconds.toFixed(2)} s, ${stored.rowsBytes.toFixed(1)} bytes per line`);

    console.log("\nTargets (baselines measured above, in this run):");
    // Delays against a reader of the same builder container's output, same lines, same run.
    const kiln1 = rows.flatMap((r) => r.kilnDelays);
    const engine1 = rows.flatMap((r) => r.engineDelays);
    target({ name: "line delay median, 1 viewer", figure: quantile(kiln1, 0.5), baseline: quantile(engine1, 0.5), unit: "ms", kind: "added", limit: 50 });
    target({ name: "line delay p99, 1 viewer", figure: quantile(kiln1, 0.99), baseline: quantile(engine1, 0.99), unit: "ms", kind: "added", limit: 100 });
    target({ name: "build time (push apart)", figure: one.buildSeconds, baseline: handSeconds, unit: "s", kind: "ratio", limit: 1.05 });
    const most = many.at(-1);
    if (most) {
      target({ name: `line delay p99, ${most.viewers} viewers`, figure: quantile(most.kilnDelays, 0.99), baseline: quantile(most.engineDelays, 0.99), unit: "ms", kind: "added", limit: 150 });
      target({ name: `Kiln peak RSS, ${most.viewers} viewers against 1`, figure: most.peakMb, baseline: one.peakMb, unit: "MB", kind: "ratio", limit: 1.25 });
    }
    target({ name: "every viewer got every line", figure: [...rows, ...many].filter((row) => !row.complete).length, baseline: null, unit: "incomplete runs", kind: "max", limit: 0 });
    target({ name: `append ${storageLines} lines`, figure: stored.chunksSeconds, baseline: stored.rowsSeconds, unit: "s", kind: "ratio", limit: 1 });
    target({ name: "bytes stored per line", figure: stored.chunksBytes, baseline: stored.rowsBytes, unit: "B", kind: "ratio", limit: 1 });
    summary("bench:logs");
  } finally {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
    await db().$disconnect();
  }
}

await main();
