// npm run bench:logs — log streaming under load, against the running stack (scripts/stack-up.sh).
//
// For 1, 10 and 100 concurrent viewers of a build that prints many lines: lines per second
// delivered, the delay from a line leaving the build container to reaching a viewer (median,
// p99), and Kiln's memory. Then the time Kiln adds to a build against running the same
// repo2docker container by hand, as a ratio measured in this run.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { commitFiles, startGitDaemon } from "../test/git-server";
import { KILN, postJson, quantile, signIn, type BenchSession } from "./bench-support";

const GIT_PORT = Number(process.env.KILN_E2E_GIT_PORT ?? 9418);
const STATE = process.env.KILN_STATE ?? "/var/lib/kiln";
const SOCKET = process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock";
const BUILDER = process.env.KILN_REPO2DOCKER_IMAGE ?? "localhost/kiln-repo2docker:2026.4.0";
const LINES = Number(process.env.BENCH_LINES ?? 20000);
const VIEWERS = (process.env.BENCH_VIEWERS ?? "1,10,100").split(",").map(Number);

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
  delaysMs: number[];
  firstAt: number;
  lastAt: number;
  statusTimes: Record<string, number>;
}

/** Reads one build's event stream to its end, timing every bench line. */
async function view(session: BenchSession, id: string): Promise<ViewerResult> {
  const response = await fetch(`${KILN}/api/builds/${id}/events`, { headers: { cookie: session.cookie } });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const result: ViewerResult = { lines: 0, delaysMs: [], firstAt: 0, lastAt: 0, statusTimes: {} };
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
      const nowNs = process.hrtime.bigint() - hrOffset;
      if (event === "lines") {
        for (const [, text] of JSON.parse(data) as [number, string][]) {
          const match = /^bench-line (\d+) (\d+)$/.exec(text);
          if (!match) continue;
          result.lines += 1;
          const now = Date.now();
          result.firstAt ||= now;
          result.lastAt = now;
          result.delaysMs.push(Number(nowNs - BigInt(match[2]!)) / 1e6);
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

// Wall-clock nanoseconds from the monotonic clock, so delays are not skewed by Date's ms steps.
const STREAMS_PER_USER = Number(process.env.KILN_STREAMS_PER_USER ?? 10);
const hrOffset = process.hrtime.bigint() - BigInt(Date.now()) * 1_000_000n;

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

/** The same repo2docker container run by hand: wall time, and each bench line's delay at the reader. */
async function buildByHand(repository: string): Promise<{ seconds: number; delaysMs: number[] }> {
  const { spawn } = await import("node:child_process");
  const started = Date.now();
  const child = spawn("podman", [
    "--url", `unix://${SOCKET}`, "run", "--rm", "--network", "host",
    "-v", `${SOCKET}:${SOCKET}`, "-e", `DOCKER_HOST=unix://${SOCKET}`, "-e", `CONTAINER_HOST=unix://${SOCKET}`,
    "-e", `R2D_DATAVERSE_INSTALLATIONS_URL=http://127.0.0.1:${process.env.KILN_PORT ?? 3030}/services/kiln/api/dataverse-installations`,
    BUILDER, "jupyter-repo2docker", "--no-run", "--json-logs", "--user-id", "1000", "--user-name", "jovyan",
    "--image-name", `kiln-bench-byhand:${Date.now()}`, "--target-repo-dir", "/srv/repo", repository,
  ]);
  const delaysMs: number[] = [];
  let pending = "";
  const onData = (chunk: Buffer) => {
    const nowNs = process.hrtime.bigint() - hrOffset;
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const match = /bench-line (\d+) (\d+)/.exec(line);
      if (match) delaysMs.push(Number(nowNs - BigInt(match[2]!)) / 1e6);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`repo2docker by hand exited ${code}`);
  return { seconds: (Date.now() - started) / 1000, delaysMs };
}

async function main() {
  const daemon = await startGitDaemon(root, GIT_PORT);
  try {
    // A user of its own (and its viewers), never a demo account someone may be using.
    const user = process.env.BENCH_USER ?? "bench-logs";
    const session = await signIn(user);
    // Kiln lets one person watch STREAMS_PER_USER builds at once, so 100 viewers are 10 people,
    // each with the repository in their library (a second request joins the same build).
    const watchers = await Promise.all(Array.from({ length: Math.ceil(Math.max(...VIEWERS) / STREAMS_PER_USER) }, (_, i) => signIn(`${user}-viewer-${i}`)));
    console.log(`Log streaming: a build printing ${LINES} lines, watched live through the Hub's proxy\n`);
    console.log("viewers | lines/s per viewer | lines/s all viewers | delay median | delay p99 | Kiln RSS before → peak");
    for (const viewers of VIEWERS) {
      const before = kilnRssMb();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, kilnRssMb())), 200);
      const repository = repo(`bench-${viewers}`, nanoLine(LINES));
      const id = await startBuild(session, repository);
      const people = watchers.slice(0, Math.ceil(viewers / STREAMS_PER_USER));
      await Promise.all(people.map((person) => startBuild(person, repository)));
      const results = await Promise.all(Array.from({ length: viewers }, (_, i) => view(people[i % people.length]!, id)));
      clearInterval(sampler);
      const delays = results.flatMap((r) => r.delaysMs);
      const perViewer = results.map((r) => r.lines / Math.max(0.001, (r.lastAt - r.firstAt) / 1000));
      const complete = results.every((r) => r.lines === LINES);
      console.log(
        `${String(viewers).padStart(7)} | ${quantile(perViewer, 0.5).toFixed(0).padStart(18)} | ${(quantile(perViewer, 0.5) * viewers).toFixed(0).padStart(19)} | ${quantile(delays, 0.5).toFixed(0).padStart(9)} ms | ${quantile(delays, 0.99).toFixed(0).padStart(6)} ms | ${before.toFixed(0)} → ${peak.toFixed(0)} MB${complete ? "" : "  (INCOMPLETE: some viewer missed lines)"}`,
      );
    }

    console.log(`\nAgainst repo2docker run by hand (same ${LINES}-line repository content, both uncached, same builder image):`);
    const byHand = await buildByHand(repo("bench-byhand", nanoLine(LINES)));
    const t1 = Date.now();
    const id = await startBuild(session, repo("bench-kiln", nanoLine(LINES)));
    const viewer = await view(session, id);
    const kiln = ((viewer.statusTimes.built ?? NaN) - t1) / 1000;
    const push = viewer.statusTimes.pushing && viewer.statusTimes.built ? (viewer.statusTimes.built - viewer.statusTimes.pushing) / 1000 : 0;
    console.log("                         |  build time | line delay median | line delay p99");
    console.log(`  repo2docker by hand    | ${byHand.seconds.toFixed(2).padStart(9)} s | ${quantile(byHand.delaysMs, 0.5).toFixed(0).padStart(14)} ms | ${quantile(byHand.delaysMs, 0.99).toFixed(0).padStart(11)} ms`);
    console.log(`  through Kiln, 1 viewer | ${kiln.toFixed(2).padStart(9)} s | ${quantile(viewer.delaysMs, 0.5).toFixed(0).padStart(14)} ms | ${quantile(viewer.delaysMs, 0.99).toFixed(0).padStart(11)} ms`);
    console.log(`  ratio Kiln / by hand   | ${(kiln / byHand.seconds).toFixed(2).padStart(11)} | ${(quantile(viewer.delaysMs, 0.5) / quantile(byHand.delaysMs, 0.5)).toFixed(2).padStart(17)} | ${(quantile(viewer.delaysMs, 0.99) / quantile(byHand.delaysMs, 0.99)).toFixed(2).padStart(14)}`);
    console.log(`  (Kiln's time includes ${push.toFixed(2)} s pushing to the registry, which the run by hand does not do.)`);
  } finally {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
