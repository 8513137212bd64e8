import { createServer, type Server } from "node:http";
import { expect, test, type Page } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { xsrfToken } from "./support/kiln-api";
import { dockerRepo } from "./support/repos";
import { hubApi, removeAllServers, stackDatabase, stackEnv } from "./support/stack";

// Kiln shares its origin with the Hub and every user server, and its site with anything else on
// 127.0.0.1. Only Kiln's own pages may change anything with a visitor's session.

const { hubUrl, users } = stackEnv();
const kiln = `${hubUrl}/services/kiln`;
const [alice, , carol] = users as [string, string, string];

test.describe.configure({ timeout: 180_000 });

/** A page on another port of the same host: same site, another origin. */
async function serveAttackerPage(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function libraryNames(page: Page): Promise<string[]> {
  const body = (await (await page.request.get("api/library")).json()) as { entries: { displayName: string }[] };
  return body.entries.map((entry) => entry.displayName);
}

test("Kiln's cookies stay on its path, the session cookie is unreadable by scripts", async ({ page, context }) => {
  await new KilnShell(page).signInThroughHub(alice);
  const kilnCookies = (await context.cookies()).filter((c) => c.name.startsWith("kiln-") || (c.name === "_xsrf" && !c.path.startsWith("/hub")));
  expect(kilnCookies.map((c) => c.name)).toEqual(expect.arrayContaining(["kiln-session", "_xsrf"]));
  for (const cookie of kilnCookies) expect(cookie.path, cookie.name).toBe("/services/kiln");
  expect(kilnCookies.find((c) => c.name === "kiln-session")?.httpOnly).toBe(true);
  // Nothing of Kiln's is sent to a user server's path on the same origin.
  const sentToUserServer = await context.cookies(`${hubUrl}/user/${alice}/anything/`);
  expect(sentToUserServer.map((c) => c.name).filter((name) => name.startsWith("kiln-"))).toEqual([]);
});

test("a copied session cookie stops working the moment its owner signs out", async ({ page, context }) => {
  await new KilnShell(page).signInThroughHub(alice);
  const session = (await context.cookies()).find((c) => c.name === "kiln-session")!;
  const asThief = () => fetch(`${kiln}/api/me`, { headers: { cookie: `kiln-session=${session.value}` } });
  expect((await asThief()).status).toBe(200);
  await new KilnShell(page).signOut();
  await expect(page).toHaveURL(/\/hub\/(login|logout)/);
  expect((await asThief()).status).toBe(401);
});

test("signing out of the Hub alone ends Kiln's session at its next check with the Hub", async ({ page, context }) => {
  await new KilnShell(page).signInThroughHub(alice);
  const session = (await context.cookies()).find((c) => c.name === "kiln-session")!;
  const asThief = () => fetch(`${kiln}/api/me`, { headers: { cookie: `kiln-session=${session.value}` } });
  expect((await asThief()).status).toBe(200);
  await page.goto(`${hubUrl}/hub/logout`);
  // Kiln asks the Hub again once its last confirmation is older than a minute; age it instead of waiting.
  const database = await stackDatabase();
  try {
    await database.query(
      "UPDATE sessions SET checked_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM users WHERE name = $1) AND revoked_at IS NULL",
      [alice],
    );
  } finally {
    await database.end();
  }
  expect((await asThief()).status).toBe(401);
});

test("forms and fetches from another origin on this host change nothing", async ({ page }) => {
  const repo = dockerRepo("csrf-target", "RUN true");
  await new KilnShell(page).signInThroughHub(carol);
  const builds = new LaunchPage(page);
  await builds.build(repo.url);
  await new BuildPage(page).expectPhase("Built");
  const entry = ((await (await page.request.get("api/library")).json()).entries as { id: number; displayName: string }[]).find((e) =>
    e.displayName.endsWith(repo.name),
  )!;
  await removeAllServers(carol);

  const bait = (kind: string) => `git://127.0.0.1:${stackEnv().gitPort}/csrf-${kind}-${repo.name}.git`;
  const json = (kind: string) => JSON.stringify({ repository: bait(kind) });
  const attacker = await serveAttackerPage(`<!doctype html><body>
    <iframe name="sink" style="display:none"></iframe>
    <form id="plain" method="POST" enctype="text/plain" target="sink" action="${kiln}/api/builds">
      <input name='{"repository":"${bait("plain")}","x":"' value='"}'></form>
    <form id="urlencoded" method="POST" target="sink" action="${kiln}/api/builds">
      <input name="repository" value="${bait("urlencoded")}"></form>
    <form id="multipart" method="POST" enctype="multipart/form-data" target="sink" action="${kiln}/api/builds">
      <input name="repository" value="${bait("multipart")}"></form>
    <script>
      const kiln = ${JSON.stringify(kiln)};
      const results = [];
      async function attempt(name, run) { try { await run(); results.push(name + ":sent"); } catch (e) { results.push(name + ":blocked"); } }
      (async () => {
        for (const id of ["plain", "urlencoded", "multipart"]) document.getElementById(id).submit();
        await attempt("no-cors", () => fetch(kiln + "/api/builds", { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: ${JSON.stringify(json("nocors"))} }));
        await attempt("cors-json", () => fetch(kiln + "/api/builds", { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: ${JSON.stringify(json("cors"))} }));
        await attempt("beacon", async () => { if (!navigator.sendBeacon(kiln + "/api/builds", new Blob([${JSON.stringify(json("beacon"))}], { type: "text/plain" }))) throw new Error("refused"); });
        await attempt("launch", () => fetch(kiln + "/api/launches", { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: JSON.stringify({ entryId: ${entry.id} }) }));
        await attempt("delete", () => fetch(kiln + "/api/library/${entry.id}", { method: "DELETE", mode: "no-cors", credentials: "include" }));
        document.title = "done " + results.join(" ");
      })();
    </script></body>`);
  try {
    const visit = await page.context().newPage();
    await visit.goto(attacker.url);
    await expect(visit).toHaveTitle(/^done /, { timeout: 30_000 });
    await visit.waitForTimeout(2000); // the forms' posts land in the hidden frame
    await visit.close();
  } finally {
    await attacker.close();
  }
  const names = await libraryNames(page);
  expect(names.filter((name) => name.includes("csrf-") && !name.endsWith(repo.name))).toEqual([]);
  expect(names.some((name) => name.endsWith(repo.name)), "the entry was not deleted").toBe(true);
  const servers = ((await (await hubApi(`/users/${carol}?include_stopped_servers`)).json()) as { servers: Record<string, unknown> }).servers;
  expect(Object.keys(servers).filter(Boolean)).toEqual([]);
});

test("a request with the session but without the page's token, or from another origin, is refused", async ({ page }) => {
  await new KilnShell(page).signInThroughHub(carol);
  const body = { repository: `git://127.0.0.1:${stackEnv().gitPort}/never-built.git` };
  const noToken = await page.request.post("api/builds", { data: body });
  expect(noToken.status()).toBe(403);
  expect((await noToken.json()).detail).toMatch(/security token/);
  const token = await xsrfToken(page);
  const foreign = await page.request.post("api/builds", { data: body, headers: { "x-xsrftoken": token, origin: "http://127.0.0.1:9999" } });
  expect(foreign.status()).toBe(403);
  const sameSite = await page.request.post("api/builds", { data: body, headers: { "x-xsrftoken": token, "sec-fetch-site": "same-site" } });
  expect(sameSite.status()).toBe(403);
  const plain = await page.request.post("api/builds", { data: JSON.stringify(body), headers: { "x-xsrftoken": token, "content-type": "text/plain" } });
  expect(plain.status()).toBe(415);
  const otherSession = await page.request.post("api/builds", { data: body, headers: { "x-xsrftoken": "A".repeat(43) } });
  expect(otherSession.status()).toBe(403);
  expect(await libraryNames(page)).not.toContain(expect.stringContaining("never-built"));
});

test("opening a build link never starts a server by itself", async ({ page }) => {
  const repo = dockerRepo("no-auto-launch", "RUN true");
  await new KilnShell(page).signInThroughHub(carol);
  const id = await new LaunchPage(page).build(repo.url);
  await new BuildPage(page).expectPhase("Built");
  await removeAllServers(carol);
  await page.goto(`builds/${id}?launch=1`);
  await new BuildPage(page).expectPhase("Built");
  await expect(page.getByRole("button", { name: "Launch" })).toBeVisible();
  await page.waitForTimeout(3000);
  const servers = ((await (await hubApi(`/users/${carol}?include_stopped_servers`)).json()) as { servers: Record<string, unknown> }).servers;
  expect(Object.keys(servers).filter(Boolean)).toEqual([]);
});

test("pages and API answers carry security headers; nothing may frame Kiln", async ({ page }) => {
  await new KilnShell(page).signInThroughHub(carol);
  for (const path of ["", "api/me", "signin"]) {
    const response = await page.request.get(path);
    const headers = response.headers();
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("same-origin");
    expect(headers["x-frame-options"], path).toBe("DENY");
  }
});

test("code on a user's own server (same origin) sees none of Kiln's cookies and is refused without the token", async ({ page }) => {
  const repo = dockerRepo("own-origin", "RUN true");
  await new KilnShell(page).signInThroughHub(carol);
  await removeAllServers(carol);
  const form = new LaunchPage(page);
  await form.open();
  await page.getByLabel(/Launch it when/).check();
  await form.submit(repo.url);
  await expect(page).toHaveURL(new RegExp(`/user/${carol}/[^/]+/lab`), { timeout: 180_000 });
  const bait = `git://127.0.0.1:${stackEnv().gitPort}/own-origin-bait-${repo.name}.git`;
  const outcome = await page.evaluate(async (bait) => {
    const response = await fetch("/services/kiln/api/builds", {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ repository: bait }),
    });
    return { cookies: document.cookie, status: response.status };
  }, bait);
  expect(outcome.cookies).not.toMatch(/kiln-/);
  expect(outcome.status).toBe(403);
  expect(await libraryNames(page)).not.toContain(expect.stringContaining("own-origin-bait"));
  await removeAllServers(carol);
});

test("a role the Hub takes away is gone from Kiln at its next check with the Hub", async ({ page }) => {
  const demoted = `${users[0]!.replace(/-alice$/, "")}-demoted`;
  await hubApi("/users", { method: "POST", body: JSON.stringify({ usernames: [demoted] }) });
  await hubApi("/groups/kiln-moderators/users", { method: "POST", body: JSON.stringify({ users: [demoted] }) });
  await new KilnShell(page).signInThroughHub(demoted);
  expect((await page.request.get("api/admin/summary")).status()).toBe(200);
  await hubApi("/groups/kiln-moderators/users", { method: "DELETE", body: JSON.stringify({ users: [demoted] }) });
  const database = await stackDatabase();
  try {
    await database.query("UPDATE sessions SET checked_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM users WHERE name = $1)", [demoted]);
  } finally {
    await database.end();
  }
  expect((await page.request.get("api/admin/summary")).status()).toBe(403);
  expect((await (await page.request.get("api/me")).json()).isModerator).toBe(false);
  await hubApi(`/users/${demoted}`, { method: "DELETE" });
});
