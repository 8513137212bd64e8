import { expect, test, type Browser } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { repoWithFiles } from "./support/repos";
import { removeAllServers, stackEnv } from "./support/stack";

// Every route × every role, on one user's build, entry and server: the status each role gets.

const { hubUrl, users, admin, moderator } = stackEnv();
const [alice, bob] = users as [string, string];
const kiln = `${hubUrl}/services/kiln`;
const roles = ["anonymous", "owner", "other", "moderator", "admin"] as const;
type Role = (typeof roles)[number];

interface Caller {
  cookie?: string;
  xsrf?: string;
}

async function signIn(browser: Browser, user: string): Promise<Caller> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new KilnShell(page).signInThroughHub(user);
  const cookies = await context.cookies(`${kiln}/`);
  const session = cookies.filter((c) => c.name.startsWith("kiln-session"));
  const xsrf = cookies.find((c) => c.name === "_xsrf");
  await context.close();
  return { cookie: session.map((c) => `${c.name}=${c.value}`).join("; "), xsrf: xsrf && decodeURIComponent(xsrf.value) };
}

/** Calls Kiln as a browser page of its own would (token and JSON for changes); streams are cut after their headers. */
async function call(caller: Caller, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (caller.cookie) headers.cookie = caller.cookie;
  if (method !== "GET" && caller.xsrf) headers["x-xsrftoken"] = caller.xsrf;
  if (body !== undefined) headers["content-type"] = "application/json";
  const controller = new AbortController();
  const response = await fetch(`${kiln}/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
    signal: controller.signal,
  });
  if (response.headers.get("content-type")?.includes("event-stream")) {
    controller.abort();
    return { status: response.status, text: "" };
  }
  return { status: response.status, text: await response.text() };
}

test("the authorization matrix: every route, every role", async ({ browser }) => {
  test.setTimeout(300_000);
  await removeAllServers(alice);
  const repo = repoWithFiles("matrix", { "a.txt": "a\n" });
  const ownerContext = await browser.newContext();
  const ownerPage = await ownerContext.newPage();
  await new KilnShell(ownerPage).signInThroughHub(alice);
  const buildId = await new LaunchPage(ownerPage).build(repo.url);
  await new BuildPage(ownerPage).expectPhase("Built");
  await ownerContext.close();

  const callers: Record<Role, Caller> = {
    anonymous: {},
    owner: await signIn(browser, alice),
    other: await signIn(browser, bob),
    moderator: await signIn(browser, moderator),
    admin: await signIn(browser, admin),
  };
  const entries = JSON.parse((await call(callers.owner, "GET", "api/library")).text).entries as { id: number; buildId: string }[];
  const entryId = entries.find((e) => e.buildId === buildId)!.id;
  const launched = await call(callers.owner, "POST", "api/launches", { entryId });
  expect(launched.status, launched.text).toBe(200);
  const server = (JSON.parse(launched.text) as { server: string }).server;

  // [method, path, body, expected status per role]; "skip" where the owner's call would end the test's data.
  type Row = [string, string, unknown, Record<Role, number | "skip">];
  const all = (status: number): Record<Role, number> => ({ anonymous: 401, owner: status, other: status, moderator: status, admin: status });
  const moderators = (status: number): Record<Role, number> => ({ anonymous: 401, owner: 403, other: 403, moderator: status, admin: status });
  const rows: Row[] = [
    ["GET", "api/me", undefined, all(200)],
    ["GET", `api/builds/${buildId}`, undefined, { anonymous: 401, owner: 200, other: 403, moderator: 200, admin: 200 }],
    ["GET", `api/builds/${buildId}/log`, undefined, { anonymous: 401, owner: 200, other: 403, moderator: 200, admin: 200 }],
    ["GET", `api/builds/${buildId}/events`, undefined, { anonymous: 401, owner: 200, other: 403, moderator: 200, admin: 200 }],
    ["POST", `api/builds/${buildId}/cancel`, undefined, { anonymous: 401, owner: 409, other: 403, moderator: 409, admin: 409 }],
    ["POST", "api/builds", { repository: repo.url }, all(200)],
    ["GET", "api/library", undefined, all(200)],
    ["GET", "api/library?view=shared", undefined, all(200)],
    ["GET", "api/library/updates", undefined, all(200)],
    ["PATCH", `api/library/${entryId}`, { visibility: "private" }, { anonymous: 401, owner: 200, other: 403, moderator: 403, admin: 403 }],
    ["POST", "api/launches", { entryId }, { anonymous: 401, owner: 200, other: 403, moderator: 403, admin: 403 }],
    ["GET", `api/launches/${server}/progress`, undefined, { anonymous: 401, owner: 200, other: 404, moderator: 404, admin: 404 }],
    ["GET", "api/servers", undefined, all(200)],
    ["DELETE", `api/servers/${server}`, undefined, { anonymous: 401, owner: "skip", other: 404, moderator: 404, admin: 404 }],
    ["DELETE", `api/library/${entryId}`, undefined, { anonymous: 401, owner: "skip", other: 403, moderator: 403, admin: 403 }],
    ["GET", "api/admin/summary", undefined, { anonymous: 401, owner: 403, other: 403, moderator: 200, admin: 200 }],
    ["GET", "api/admin/dashboard", undefined, moderators(200)],
    ["GET", "api/admin/shared", undefined, moderators(200)],
    ["POST", `api/admin/shared/${entryId}`, { action: "approve" }, moderators(409)],
    ["POST", "api/admin/reports/2147483647", { action: "dismiss", reason: "not a real report" }, moderators(404)],
    ["GET", "api/admin/bans", undefined, moderators(200)],
    ["POST", "api/admin/bans", { kind: "spec", pattern: "(unclosed", reason: "refused as invalid" }, moderators(400)],
    ["DELETE", "api/admin/bans/2147483647", undefined, moderators(404)],
    ["POST", "api/admin/bans/test", { repository: repo.url }, moderators(200)],
    ["GET", "api/admin/policy", undefined, moderators(200)],
    ["PUT", "api/admin/policy", { policy: {} }, moderators(400)],
    ["GET", "api/admin/audit", undefined, moderators(200)],
    ["GET", "api/admin/audit/export?format=jsonl&actor=nobody", undefined, moderators(200)],
    ["GET", "api/admin/cleanup?days=3650", undefined, moderators(200)],
    ["GET", "api/notifications", undefined, all(200)],
    ["POST", "api/notifications", { all: true }, all(200)],
    ["GET", "api/featured", undefined, all(200)],
    ["GET", "api/me/usage", undefined, all(200)],
    ["POST", `api/library/${entryId}/reports`, { reason: "checking who may report" }, { anonymous: 401, owner: 409, other: 404, moderator: 404, admin: 404 }],
    ["POST", `api/library/${entryId}/rebuild`, undefined, { anonymous: 401, owner: 200, other: 403, moderator: 403, admin: 403 }],
    ["GET", `api/hub/allowed-images?user=${alice}`, undefined, { anonymous: 401, owner: 401, other: 401, moderator: 401, admin: 401 }],
    ["GET", "api/health", undefined, { anonymous: 200, owner: 200, other: 200, moderator: 200, admin: 200 }],
    ["GET", "api/dataverse-installations", undefined, { anonymous: 200, owner: 200, other: 200, moderator: 200, admin: 200 }],
  ];

  const mismatches: string[] = [];
  let cells = 0;
  for (const [method, path, body, expected] of rows) {
    for (const role of roles) {
      const want = expected[role];
      if (want === "skip") continue;
      cells += 1;
      const { status, text } = await call(callers[role], method, path, body);
      if (status !== want) mismatches.push(`${role} ${method} ${path}: expected ${want}, got ${status} ${text.slice(0, 200)}`);
    }
  }
  expect(mismatches).toEqual([]);

  // What the 200s show: nobody else sees the private entry, the server or its name.
  for (const role of ["other", "moderator", "admin"] as const) {
    const mine = JSON.parse((await call(callers[role], "GET", "api/library")).text).entries as { id: number }[];
    const shared = JSON.parse((await call(callers[role], "GET", "api/library?view=shared")).text).entries as { id: number }[];
    expect([...mine, ...shared].map((e) => e.id), role).not.toContain(entryId);
    const servers = JSON.parse((await call(callers[role], "GET", "api/servers")).text).servers as { name: string }[];
    expect(servers.map((s) => s.name), role).not.toContain(server);
  }
  // Anonymous callers learn only up or down: no versions, timings or error texts.
  const health = JSON.parse((await call(callers.anonymous, "GET", "api/health")).text) as { checks: Record<string, object> };
  for (const part of Object.values(health.checks)) expect(Object.keys(part)).toEqual(["ok"]);
  // The owner's own server survived everyone else's attempts to stop it; the owner may.
  expect((await call(callers.owner, "DELETE", `api/servers/${server}?remove=1`)).status).toBe(200);
  expect((await call(callers.owner, "DELETE", `api/library/${entryId}`)).status).toBe(200);
  cells += 2;
  console.log(`authorization matrix: ${rows.length} routes × ${roles.length} roles, ${cells} cells checked`);
});
