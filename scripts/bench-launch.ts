// npm run bench:launch — against the running stack (scripts/stack-up.sh).
//
// 1. Time from "Launch" to a ready server for an image that is already built, through Kiln,
//    against starting the same image through the Hub's API directly; ratio of medians.
// 2. The library API's median and p99 latency with 10,000 images across 100 users.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import pg from "pg";
import { commitFiles, startGitDaemon } from "../test/git-server";
import { summary, target } from "./bench-report";
import { KILN, postJson, quantile, signIn } from "./bench-support";

const HUB_API = `http://127.0.0.1:${process.env.HUB_API_PORT ?? 8081}/hub/api`;
const STATE = process.env.KILN_STATE ?? "/var/lib/kiln";
const GIT_PORT = Number(process.env.KILN_E2E_GIT_PORT ?? 9418);
const DATABASE_URL = process.env.DATABASE_URL ?? "postgresql://kiln:kiln@127.0.0.1:5432/kiln";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Within the requests-per-minute limit one person has (KILN_REQUESTS_PER_MINUTE, 300 by default).
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 250);
const SEED_USERS = 100;
const SEED_IMAGES = 10_000;
const SEED_TAG = "bench-seed";

const engine = new Docker({ socketPath: process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock" });

const token = /^KILN_HUB_API_TOKEN=(.+)$/m.exec(readFileSync(path.join(STATE, "secrets.env"), "utf8"))![1]!;
const hub = (pathname: string, init: RequestInit = {}) =>
  fetch(`${HUB_API}${pathname}`, { ...init, headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers } });



/** Reads an event stream until an event whose JSON has ready (or failed). */
async function untilReady(response: Response): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("progress ended before the server was ready");
    buffer += decoder.decode(value, { stream: true });
    for (const match of buffer.matchAll(/^data: (.*)$/gm)) {
      const event = JSON.parse(match[1]!) as { ready?: boolean; failed?: boolean; message?: string };
      if (event.failed) throw new Error(`spawn failed: ${event.message}`);
      if (event.ready) {
        await reader.cancel();
        return;
      }
    }
    buffer = buffer.slice(buffer.lastIndexOf("\n") + 1);
  }
}

/** Where one launch's time went, from the request (wall clock) to the server being ready. */
interface LaunchSegments {
  /** Request to the container's creation: Kiln (when through it), the Hub, its hooks and DockerSpawner. */
  toCreate: number;
  /** Creation to the container running. */
  containerStart: number;
  /** Running to ready: the repository copy, the single-user server's start-up, the Hub's readiness check. */
  toReady: number;
}

/** DockerSpawner's escaping of names in its name_template: all but [a-z0-9] become "-" and hex. */
const escapeName = (name: string) => [...Buffer.from(name, "utf8")].map((byte) => (/[a-z0-9]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `-${byte.toString(16)}`)).join("");

async function segments(user: string, server: string, requestedAt: number, readyAt: number): Promise<LaunchSegments | undefined> {
  try {
    const info = await engine.getContainer(`kiln-${escapeName(user)}-${escapeName(server)}`).inspect();
    const created = Date.parse(info.Created);
    const started = Date.parse(info.State.StartedAt);
    return { toCreate: created - requestedAt, containerStart: started - created, toReady: readyAt - started };
  } catch {
    return undefined; // Kubernetes mode, or another name template: no breakdown
  }
}

async function removeServer(user: string, name: string) {
  await hub(`/users/${user}/servers/${name}`, { method: "DELETE", body: JSON.stringify({ remove: true }) });
  for (let i = 0; i < 120; i++) {
    const model = (await (await hub(`/users/${user}?include_stopped_servers`)).json()) as { servers?: Record<string, unknown> };
    if (!model.servers?.[name]) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function launchBenchmark() {
  // A user of its own, never a demo account someone may be using.
  const user = process.env.BENCH_USER ?? "bench-launch";
  const root = mkdtempSync(path.join(tmpdir(), "kiln-bench-launch-"));
  const daemon = await startGitDaemon(root, GIT_PORT);
  try {
    const session = await signIn(user);
    const { cookie } = session;
    const name = `bench-launch-${Date.now().toString(36)}`;
    commitFiles(root, name, { Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo ${name}\nCOPY --chown=1000:1000 . /srv/repo\n` });
    const built = await postJson(session, "/api/builds", { repository: `git://127.0.0.1:${GIT_PORT}/${name}.git`, ref: "", path: "" });
    const buildId = ((await built.json()) as { build: { id: string } }).build.id;
    for (;;) {
      const view = (await (await fetch(`${KILN}/api/builds/${buildId}`, { headers: { cookie } })).json()) as { status: string; imageName: string };
      if (view.status === "built") break;
      if (view.status === "failed") throw new Error("the benchmark image did not build");
      await new Promise((r) => setTimeout(r, 500));
    }
    const entries = (await (await fetch(`${KILN}/api/library?q=${name}`, { headers: { cookie } })).json()) as { entries: { id: number; imageName: string }[] };
    const entry = entries.entries[0]!;

    const viaKiln: number[] = [];
    const direct: number[] = [];
    const kilnParts: LaunchSegments[] = [];
    const directParts: LaunchSegments[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Alternate so neither side always runs on a warmer machine.
      let requestedAt = Date.now();
      let started = performance.now();
      const launched = (await (await postJson(session, "/api/launches", { entryId: entry.id })).json()) as { server: string; ready: boolean };
      if (!launched.ready) await untilReady(await fetch(`${KILN}/api/launches/${launched.server}/progress`, { headers: { cookie } }));
      viaKiln.push(performance.now() - started);
      const kilnSegments = await segments(user, launched.server, requestedAt, Date.now());
      if (kilnSegments) kilnParts.push(kilnSegments);
      await removeServer(user, launched.server);

      const server = `direct-${run}`;
      requestedAt = Date.now();
      started = performance.now();
      const response = await hub(`/users/${user}/servers/${server}`, { method: "POST", body: JSON.stringify({ image: entry.imageName }) });
      if (response.status >= 400) throw new Error(`Hub: ${response.status} ${await response.text()}`);
      await untilReady(await hub(`/users/${user}/servers/${server}/progress`, { headers: { accept: "text/event-stream" } }));
      direct.push(performance.now() - started);
      const directSegments = await segments(user, server, requestedAt, Date.now());
      if (directSegments) directParts.push(directSegments);
      await removeServer(user, server);
    }
    const kilnMedian = quantile(viaKiln, 0.5);
    const directMedian = quantile(direct, 0.5);
    console.log(`Launch of an already built image to a ready server (${RUNS} runs each, alternating):`);
    console.log(`  through Kiln (POST /api/launches + Hub progress via Kiln): median ${(kilnMedian / 1000).toFixed(2)} s  (runs: ${viaKiln.map((v) => (v / 1000).toFixed(2)).join(", ")})`);
    console.log(`  Hub API directly (POST server + progress):               median ${(directMedian / 1000).toFixed(2)} s  (runs: ${direct.map((v) => (v / 1000).toFixed(2)).join(", ")})`);
    if (kilnParts.length && directParts.length) {
      const median = (parts: LaunchSegments[], key: keyof LaunchSegments) => `${(quantile(parts.map((part) => part[key]), 0.5) / 1000).toFixed(2)} s`;
      console.log("  where the time goes (medians; container times from the engine):");
      console.log(`    ${"".padEnd(58)} ${"through Kiln".padStart(12)} ${"Hub directly".padStart(12)}`);
      for (const [label, key] of [
        ["request to container created (Kiln, Hub, hooks, spawner)", "toCreate"],
        ["container created to running (the engine)", "containerStart"],
        ["running to ready (repo copy, server start-up, Hub check)", "toReady"],
      ] as const) {
        console.log(`    ${label.padEnd(58)} ${median(kilnParts, key).padStart(12)} ${median(directParts, key).padStart(12)}`);
      }
    }
    target({ name: "launch of a built image through Kiln, median (baseline: the Hub's API directly)", figure: kilnMedian / 1000, baseline: directMedian / 1000, unit: "s", kind: "ratio", limit: 1.0 });
  } finally {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function libraryBenchmark() {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DELETE FROM builds WHERE display_name LIKE '${SEED_TAG}%'`);
    await client.query(`DELETE FROM users WHERE name LIKE '${SEED_TAG}-user-%'`);
    // 100 users with 100 images each; every tenth shared.
    await client.query(`INSERT INTO users (name) SELECT '${SEED_TAG}-user-' || u FROM generate_series(0, ${SEED_USERS - 1}) u`);
    await client.query(`
      INSERT INTO builds (provider, repo_url, spec, display_name, requested_ref, resolved_ref, image_name, builder_image, status, requested_by_id, finished_at, image_size_bytes, log_lines)
      SELECT 'git', 'https://git.example.org/lab/repo-' || (i % 2000) || '.git', 'git/x/HEAD', '${SEED_TAG} lab/repo-' || (i % 2000),
             'HEAD', md5(i::text) || left(md5((i + 1)::text), 8), 'kiln-seed-' || i || ':' || md5(i::text), 'builder', 'built',
             (SELECT id FROM users WHERE name = '${SEED_TAG}-user-' || (i % ${SEED_USERS})), now() - (i || ' minutes')::interval, 700000000, 0
      FROM generate_series(0, ${SEED_IMAGES - 1}) i`);
    await client.query(`
      INSERT INTO library_entries (build_id, user_id, visibility, created_at)
      SELECT b.id, b.requested_by_id, CASE WHEN row_number() OVER () % 10 = 0 THEN 'shared'::visibility ELSE 'private'::visibility END, b.finished_at
      FROM builds b WHERE b.display_name LIKE '${SEED_TAG}%'`);
    // One seeded person per query: each stays within Kiln's requests-per-minute limit.
    const sessions = await Promise.all([7, 8, 9, 10, 11, 12].map((n) => signIn(`${SEED_TAG}-user-${n}`)));
    // A page deep into the shared view: the tenth, reached by following nextCursor (9 requests
    // beside the 250 timed ones: within the 300 a minute Kiln allows a person).
    let deepCursor = "";
    for (let page = 0; page < 9; page += 1) {
      const response = await fetch(`${KILN}/api/library?view=shared${deepCursor ? `&cursor=${deepCursor}` : ""}`, { headers: { cookie: sessions[3]!.cookie } });
      deepCursor = ((await response.json()) as { nextCursor: string }).nextCursor;
    }
    console.log(`\nLibrary API with ${SEED_IMAGES.toLocaleString()} images across ${SEED_USERS} users (${REQUESTS} requests each, one at a time):`);
    for (const [index, [label, query]] of ([
      ["my library (100 entries; a page of 50)", ""],
      ["search in my library", "q=repo-1"],
      ["shared with everyone (1,000 entries; a page of 50)", "view=shared"],
      ["shared, the tenth page (by cursor)", `view=shared&cursor=${deepCursor}`],
      ["shared, a page of 100 (as the library page asks)", "view=shared&limit=100"],
      // The floor: the cheapest signed-in request, through the same proxy, session check and route wrapper.
      ["GET /api/me (the floor of any signed-in request)", "me"],
    ] as const).entries()) {
      const { cookie } = sessions[index]!;
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const started = performance.now();
        const response = await fetch(`${KILN}/api/${query === "me" ? "me" : `library?${query}`}`, { headers: { cookie } });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`library answered ${response.status}`);
        times.push(performance.now() - started);
      }
      console.log(`  ${label.padEnd(48)} median ${quantile(times, 0.5).toFixed(1).padStart(6)} ms   p99 ${quantile(times, 0.99).toFixed(1).padStart(6)} ms`);
      if (query.startsWith("view=shared&cursor")) target({ name: "library, shared, tenth page, p99", figure: quantile(times, 0.99), baseline: null, unit: "ms", kind: "max", limit: 50 });
      if (query === "view=shared") target({ name: "library, shared with everyone, p99", figure: quantile(times, 0.99), baseline: null, unit: "ms", kind: "max", limit: 50 });
    }
  } finally {
    await client.query(`DELETE FROM builds WHERE display_name LIKE '${SEED_TAG}%'`);
    await client.query(`DELETE FROM users WHERE name LIKE '${SEED_TAG}-user-%'`);
    await client.end();
  }
}

// BENCH_PART=launch or library runs only that half.
if (process.env.BENCH_PART !== "library") await launchBenchmark();
if (process.env.BENCH_PART !== "launch") await libraryBenchmark();
summary("bench:launch");
