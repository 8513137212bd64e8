// npm run bench:hub — does the Hub wait on Kiln? Against the running stack (scripts/stack-up.sh).
//
// The Hub asks Kiln which images a user may run (allowed_images) and whether a start is within
// the quotas (pre_spawn_hook) on every start. This restarts the Hub so that it reaches Kiln
// through a proxy that can delay those calls, then, with Kiln answering at once and with Kiln
// answering 2 s late (alternating rounds):
// - times a start of an image through the Hub's API, to a ready server;
// - meanwhile, times another person's requests to the Hub (their user model, the Hub's API
//   root) every 50 ms: if the Hub's event loop waited on Kiln they would wait too;
// - and the same requests with no start in flight, as the baseline.
// At the end the Hub is restarted as it was.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { commitFiles, startGitDaemon } from "../test/git-server";
import { summary, target } from "./bench-report";
import { KILN, postJson, quantile, signIn } from "./bench-support";

const ROOT = path.resolve(import.meta.dirname, "..");
const STATE = process.env.KILN_STATE ?? "/var/lib/kiln";
const HUB_API = `http://127.0.0.1:${process.env.HUB_API_PORT ?? 8081}/hub/api`;
const KILN_URL = process.env.KILN_URL ?? `http://127.0.0.1:${process.env.KILN_PORT ?? 3030}`;
const GIT_PORT = Number(process.env.KILN_E2E_GIT_PORT ?? 9418);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SLOW_MS = Number(process.env.BENCH_KILN_DELAY_MS ?? 2000);
/** The Hub keeps an allowed image for this long (KILN_ALLOWED_IMAGES_CACHE_SECONDS): each start waits it out, so each asks Kiln. */
const CACHE_SECONDS = Number(process.env.KILN_ALLOWED_IMAGES_CACHE_SECONDS ?? 5);

const token = /^KILN_HUB_API_TOKEN=(.+)$/m.exec(readFileSync(path.join(STATE, "secrets.env"), "utf8"))![1]!;
const hub = (pathname: string, init: RequestInit = {}) =>
  fetch(`${HUB_API}${pathname}`, { ...init, headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Forwards everything to Kiln; the Hub's calls (/api/hub/…) wait `delay.ms` first. */
function delayingProxy(delay: { ms: number }): Promise<{ url: string; server: Server }> {
  const upstream = new URL(KILN_URL);
  const server = createServer((incoming, outgoing) => {
    const forward = () => {
      const proxied = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      proxied.on("error", () => outgoing.destroy());
      incoming.pipe(proxied);
    };
    if (incoming.url?.includes("/services/kiln/api/hub/") && delay.ms > 0) setTimeout(forward, delay.ms);
    else forward();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

function restartHub(kilnUrl?: string) {
  const env = { ...process.env, ...(kilnUrl ? { KILN_URL: kilnUrl } : {}) };
  for (const action of ["stop", "start"]) {
    const result = spawnSync("bash", [path.join(ROOT, "scripts/hub.sh"), action], { env, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`scripts/hub.sh ${action} failed`);
  }
}

async function untilReady(user: string, server: string): Promise<void> {
  const response = await hub(`/users/${user}/servers/${server}/progress`, { headers: { accept: "text/event-stream" } });
  const text = await response.text();
  if (!/"ready": ?true/.test(text)) throw new Error(`${user}/${server} did not become ready: ${text.slice(-300)}`);
}

async function removeServer(user: string, name: string) {
  await hub(`/users/${user}/servers/${name}`, { method: "DELETE", body: JSON.stringify({ remove: true }) });
  for (let i = 0; i < 240; i++) {
    const model = (await (await hub(`/users/${user}?include_stopped_servers`)).json()) as { servers?: Record<string, unknown> };
    if (!model.servers?.[name]) return;
    await sleep(250);
  }
}

/** Another person's requests to the Hub, one every 50 ms until `until` settles: their latencies. */
async function probeHub(other: string, until: Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    for (const pathname of [`/users/${other}`, "/"]) {
      const started = performance.now();
      await (await hub(pathname)).arrayBuffer();
      times.push(performance.now() - started);
    }
    await sleep(50);
  }
  return times;
}

async function main() {
  const stamp = Date.now().toString(36);
  const user = `bench-hub-${stamp}`;
  const other = `bench-hub-other-${stamp}`;
  const root = mkdtempSync(path.join(tmpdir(), "kiln-bench-hub-"));
  const daemon = await startGitDaemon(root, GIT_PORT);
  const delay = { ms: 0 };
  const proxy = await delayingProxy(delay);
  try {
    // An image the bench user may run: built through Kiln, like any.
    const session = await signIn(user);
    await signIn(other);
    const name = `bench-hub-${stamp}`;
    commitFiles(root, name, { Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo ${name}\n` });
    const built = (await (await postJson(session, "/api/builds", { repository: `git://127.0.0.1:${GIT_PORT}/${name}.git`, ref: "", path: "" })).json()) as { build: { id: string } };
    let image = "";
    for (;;) {
      const view = (await (await fetch(`${KILN}/api/builds/${built.build.id}`, { headers: { cookie: session.cookie } })).json()) as { status: string; imageName: string };
      if (view.status === "built") {
        image = view.imageName;
        break;
      }
      if (view.status === "failed") throw new Error("the benchmark image did not build");
      await sleep(500);
    }

    console.log(`Restarting the Hub to reach Kiln through a proxy that can delay its calls (${proxy.url})…`);
    restartHub(proxy.url);

    const spawn: Record<number, number[]> = { 0: [], [SLOW_MS]: [] };
    const during: Record<number, number[]> = { 0: [], [SLOW_MS]: [] };
    const idle: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      idle.push(...(await probeHub(other, sleep(3000))));
      for (const ms of round % 2 ? [SLOW_MS, 0] : [0, SLOW_MS]) {
        delay.ms = ms;
        await sleep(CACHE_SECONDS * 1000 + 500);
        const server = `b${round}-${ms}`;
        const started = performance.now();
        const spawned = (async () => {
          const response = await hub(`/users/${user}/servers/${server}`, { method: "POST", body: JSON.stringify({ image }) });
          if (response.status >= 400) throw new Error(`Hub: ${response.status} ${await response.text()}`);
          await untilReady(user, server);
          spawn[ms]!.push(performance.now() - started);
        })();
        during[ms]!.push(...(await probeHub(other, spawned.catch(() => undefined))));
        await spawned;
        await removeServer(user, server);
      }
    }
    delay.ms = 0;

    const p = (values: number[], q: number) => quantile(values, q);
    console.log(`\nStarts through the Hub's API to a ready server (${ROUNDS} each, alternating); medians:`);
    console.log(`  Kiln answering at once: ${(p(spawn[0]!, 0.5) / 1000).toFixed(2)} s   (runs: ${spawn[0]!.map((v) => (v / 1000).toFixed(2)).join(", ")})`);
    console.log(`  Kiln answering ${SLOW_MS} ms late: ${(p(spawn[SLOW_MS]!, 0.5) / 1000).toFixed(2)} s   (runs: ${spawn[SLOW_MS]!.map((v) => (v / 1000).toFixed(2)).join(", ")})`);
    console.log(`  (the Hub asks Kiln twice per start, allowed images and quotas: the person starting waits for both)`);
    console.log(`\nAnother person's Hub API requests (${idle.length} with nothing starting; ${during[0]!.length} and ${during[SLOW_MS]!.length} during starts):`);
    console.log(`  nothing starting:                 median ${p(idle, 0.5).toFixed(1)} ms  p99 ${p(idle, 0.99).toFixed(1)} ms`);
    console.log(`  during a start, Kiln at once:     median ${p(during[0]!, 0.5).toFixed(1)} ms  p99 ${p(during[0]!, 0.99).toFixed(1)} ms`);
    console.log(`  during a start, Kiln ${SLOW_MS} ms late: median ${p(during[SLOW_MS]!, 0.5).toFixed(1)} ms  p99 ${p(during[SLOW_MS]!, 0.99).toFixed(1)} ms`);
    console.log("\nTargets:");
    target({ name: "another person's Hub request during a start with Kiln slow, p99 (baseline: during a start with Kiln at once)", figure: p(during[SLOW_MS]!, 0.99), baseline: p(during[0]!, 0.99), unit: "ms", kind: "added", limit: 100 });
    target({ name: "another person's Hub request during a start with Kiln slow, median (baseline: nothing starting)", figure: p(during[SLOW_MS]!, 0.5), baseline: p(idle, 0.5), unit: "ms", kind: "added", limit: 50 });
    summary("bench:hub");
  } finally {
    console.log("\nRestarting the Hub as it was…");
    restartHub();
    proxy.server.close();
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
