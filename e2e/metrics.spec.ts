import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { expect, test } from "@playwright/test";
import { binderBuild } from "./support/binder-client";
import { repoWithFiles } from "./support/repos";
import { hubUserToken, removeAllServers, stackEnv } from "./support/stack";

// What an operator watches: Prometheus metrics guarded as the Hub's own /hub/metrics, with
// BinderHub's names, and a JSON log whose lines carry the id each response names.

const { hubUrl, admin, users } = stackEnv();
const [alice, , carol] = users as [string, string, string];
const kiln = `${hubUrl}/services/kiln`;
const logFile = `${process.env.KILN_LOGS ?? "/var/lib/kiln/logs"}/kiln.log`;

test.afterAll(async () => {
  await removeAllServers(alice);
});

/** The sum of a metric's samples whose labels include `labels`, from Prometheus' text format. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]!.replace(/\\(.)/g, "$1")]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

async function scrape(token: string): Promise<string> {
  const response = await fetch(`${kiln}/metrics`, { headers: { authorization: `token ${token}` } });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

test("metrics are guarded as the Hub's own: a token with read:metrics reads them, a user's token does not", async () => {
  const none = await fetch(`${kiln}/metrics`);
  expect(none.status).toBe(401);
  expect(((await none.json()) as { detail: string }).detail).toContain("read:metrics");
  const { token: userToken } = await hubUserToken(alice);
  const refused = await fetch(`${kiln}/metrics`, { headers: { authorization: `token ${userToken}` } });
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { code: string }).code).toBe("metrics_forbidden");

  const { token } = await hubUserToken(admin, { scopes: ["read:metrics"] });
  const text = await scrape(token);
  for (const name of ["binderhub_inprogress_builds", "kiln_queued_builds", "process_cpu_user_seconds_total", "nodejs_eventloop_lag_seconds"]) {
    expect(text, name).toMatch(new RegExp(`^${name} \\d`, "m"));
  }
  expect(text).toContain("# TYPE binderhub_build_time_seconds histogram");
  expect(text).toContain("# TYPE binderhub_launch_time_seconds histogram");
});

test("a build and a launch through the build API show in BinderHub's metrics, with its labels", async () => {
  test.setTimeout(300_000);
  const { token: reader } = await hubUserToken(admin, { scopes: ["read:metrics"] });
  const repo = repoWithFiles("metrics", { "README.md": "# metrics\n" });
  const labels = { provider: "Git", repo: repo.url };
  const before = await scrape(reader);
  expect(sample(before, "binderhub_build_count", labels)).toBe(0);

  const { token } = await hubUserToken(alice);
  const events = await binderBuild(`git/${encodeURIComponent(repo.url)}/HEAD`, token);
  expect(events.at(-1)?.phase).toBe("ready");

  // The launch is counted once the Hub says the server is ready, which the build API waited for.
  await expect.poll(async () => sample(await scrape(reader), "binderhub_launch_count", { status: "success", ...labels }), { timeout: 30_000 }).toBe(1);
  const after = await scrape(reader);
  expect(sample(after, "binderhub_build_count", { status: "success", ...labels })).toBe(1);
  expect(sample(after, "binderhub_build_time_seconds_count", { status: "success" })).toBeGreaterThan(sample(before, "binderhub_build_time_seconds_count", { status: "success" }));
  expect(sample(after, "binderhub_launch_time_seconds_count", { status: "success", retries: "0" })).toBeGreaterThan(
    sample(before, "binderhub_launch_time_seconds_count", { status: "success", retries: "0" }),
  );
  expect(sample(after, "kiln_build_log_lines_total")).toBeGreaterThan(sample(before, "kiln_build_log_lines_total"));
  expect(sample(after, "kiln_library_images", { visibility: "private" })).toBeGreaterThan(0);
  expect(sample(after, "kiln_request_duration_seconds_count", { handler: "binderBuild", code: "200" })).toBeGreaterThan(0);
});

test("an open build log is counted as a viewer while it is open, and a HEAD holds no stream open", async () => {
  const { token: reader } = await hubUserToken(admin, { scopes: ["read:metrics"] });
  // Carol, whom no other spec of this file uses: her stream allowance is this test's alone.
  const { token } = await hubUserToken(carol);
  const repo = repoWithFiles("metrics-viewer", { "README.md": "# v\n" });
  const created = await fetch(`${kiln}/api/builds`, {
    method: "POST",
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ repository: repo.url }),
  });
  const { build } = (await created.json()) as { build: { id: string } };
  const viewing = new AbortController();
  const stream = await fetch(`${kiln}/api/builds/${build.id}/events`, { headers: { authorization: `token ${token}` }, signal: viewing.signal });
  expect(stream.status).toBe(200);
  await expect.poll(async () => sample(await scrape(reader), "kiln_sse_viewers", { stream: "build_log" })).toBeGreaterThanOrEqual(1);
  viewing.abort();

  // HEAD answers with GET's headers and holds nothing open: more HEADs than a person's stream
  // allowance (10) leave their allowance whole.
  for (let i = 0; i < 12; i++) {
    const head = await fetch(`${kiln}/api/builds/${build.id}/events`, { method: "HEAD", headers: { authorization: `token ${token}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/event-stream/);
  }
  const after = new AbortController();
  const still = await fetch(`${kiln}/api/builds/${build.id}/events`, { headers: { authorization: `token ${token}` }, signal: after.signal });
  expect(still.status).toBe(200);
  after.abort();
});

test("every response names its request id, and the log line with that id holds no token", async () => {
  const secret = `secret-${Date.now()}`;
  const response = await fetch(`${kiln}/api/me?token=${secret}`, { headers: { authorization: `token ${secret}` } });
  expect(response.status).toBe(401);
  const id = response.headers.get("x-request-id")!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);

  // An id from a proxy in front is kept when it is well formed, and replaced when it is not.
  const given = `trace-${Date.now()}`;
  expect((await fetch(`${kiln}/api/health`, { headers: { "x-request-id": given } })).headers.get("x-request-id")).toBe(given);
  const forged = (await fetch(`${kiln}/api/health`, { headers: { "x-request-id": 'bad"id<script>' } })).headers.get("x-request-id");
  expect(forged).toMatch(/^[0-9a-f-]{36}$/);

  // A request target Node accepts but a URL parser refuses is answered too, with an id.
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(process.env.KILN_PORT ?? 3030), "127.0.0.1", () => socket.end("GET //kiln:99999/?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    let answer = "";
    socket.setTimeout(15_000, () => socket.destroy(new Error("no answer within 15 s")));
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
  expect(raw).toMatch(/^HTTP\/1\.1 \d{3} /);
  expect(raw.toLowerCase()).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);

  await expect.poll(async () => (await readFile(logFile, "utf8")).includes(id)).toBe(true);
  const lines = (await readFile(logFile, "utf8")).split("\n").filter((line) => line.includes(id));
  for (const line of lines) {
    const entry = JSON.parse(line) as { level: string; reqId: string; time: string; msg: string };
    expect(entry).toMatchObject({ reqId: id, level: expect.any(String), time: expect.any(String) });
  }
  expect(lines.some((line) => line.includes("/services/kiln/api/me") && line.includes('"statusCode":401'))).toBe(true);
  expect(lines.join("\n")).not.toContain(secret);
});
