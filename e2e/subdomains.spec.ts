import { expect, test, type Page } from "@playwright/test";
import { HubLoginPage } from "./pages/hub-login";
import { KilnShell } from "./pages/kiln-shell";
import { repoWithFiles } from "./support/repos";
import { stackEnv, stackScript, stackSecret } from "./support/stack";

// JupyterHub's advice for isolating user servers: subdomains. A second Hub and Kiln run that way
// beside the main stack (scripts/subdomain-stack.sh): users at <user>.localhost:8100, Kiln at
// kiln--service.localhost:8100. A page on a user's server is then another origin to Kiln.

const subHub = "http://localhost:8100";
const subKiln = "http://kiln--service.localhost:8100/services/kiln";
// Letters and digits only: JupyterHub escapes other names into a hashed host label.
const run = `e2esub${Math.random().toString(16).slice(2, 8)}`;
const researcher = `${run}dana`;
const subAdmin = `${run}admin`;

test.describe.configure({ mode: "serial", timeout: 240_000 });

async function subHubApi(pathname: string, init: RequestInit = {}): Promise<Response> {
  const token = await stackSecret("KILN_TEST_HUB_TOKEN");
  return fetch(`http://127.0.0.1:8181/hub/api${pathname}`, {
    ...init,
    headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers },
  });
}

async function signInToSubKiln(page: Page, user: string, path = "") {
  await page.goto(`${subKiln}/${path}`);
  const login = new HubLoginPage(page);
  await login.expectShown();
  await login.signIn(user);
  await expect(new KilnShell(page).currentUser).toContainText(user);
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  await stackScript("subdomain-stack.sh", "start");
  expect((await subHubApi("/users", { method: "POST", body: JSON.stringify({ usernames: [researcher] }) })).status).toBe(201);
  expect((await subHubApi("/users", { method: "POST", body: JSON.stringify({ usernames: [subAdmin], admin: true }) })).status).toBe(201);
});

test.afterAll(async () => {
  for (const user of [researcher, subAdmin]) {
    const servers = ((await (await subHubApi(`/users/${user}?include_stopped_servers`)).json()) as { servers?: Record<string, unknown> }).servers ?? {};
    for (const name of Object.keys(servers).filter(Boolean)) {
      await subHubApi(`/users/${user}/servers/${name}`, { method: "DELETE", body: JSON.stringify({ remove: true }) });
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  for (const user of [researcher, subAdmin]) await subHubApi(`/users/${user}`, { method: "DELETE" });
  await stackScript("subdomain-stack.sh", "stop");
});

test("moderators are warned when user servers share Kiln's origin, and not when the Hub uses subdomains", async ({ browser }) => {
  const shared = await browser.newContext();
  const sharedPage = await shared.newPage();
  await new KilnShell(sharedPage).signInThroughHub(stackEnv().admin, "admin");
  await expect(sharedPage.getByTestId("origin-warning")).toContainText("subdomain_host");
  await shared.close();

  const isolated = await browser.newContext();
  const isolatedPage = await isolated.newPage();
  await signInToSubKiln(isolatedPage, subAdmin, "admin");
  await expect(isolatedPage.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  await expect(isolatedPage.getByTestId("origin-warning")).toHaveCount(0);
  await isolated.close();
});

test("with subdomains, Kiln builds and launches onto the user's own host, and that host cannot act as Kiln", async ({ page, context }) => {
  await signInToSubKiln(page, researcher);
  const kilnCookies = (await context.cookies(`${subKiln}/`)).filter((c) => c.name.startsWith("kiln-") || c.name === "_xsrf");
  expect(kilnCookies.length).toBeGreaterThan(0);
  for (const cookie of kilnCookies) expect(cookie.domain, cookie.name).toBe("kiln--service.localhost");

  const repo = repoWithFiles("subdomain", { "notes.md": "# notes\n" });
  await page.getByLabel("Repository").fill(repo.url);
  await page.getByLabel(/Launch it when/).check();
  await page.getByRole("button", { name: "Build" }).click();
  await expect(page).toHaveURL(new RegExp(`^http://${researcher}\\.localhost:8100/user/${researcher}/[^/]+/lab`), { timeout: 180_000 });

  // Code on the user's own origin (what any page they serve could run) tries to use Kiln.
  const bait = `git://127.0.0.1:${stackEnv().gitPort}/subdomain-bait-${repo.name}.git`;
  const outcome = await page.evaluate(
    async ({ kiln, bait }) => {
      const result: Record<string, string> = { cookies: document.cookie };
      try {
        const response = await fetch(`${kiln}/api/me`, { credentials: "include" });
        result.read = `read ${response.status} ${await response.text()}`;
      } catch {
        result.read = "blocked";
      }
      try {
        await fetch(`${kiln}/api/builds`, {
          method: "POST",
          mode: "no-cors",
          credentials: "include",
          headers: { "content-type": "text/plain" },
          body: JSON.stringify({ repository: bait }),
        });
        result.post = "sent";
      } catch {
        result.post = "blocked";
      }
      const opened = window.open(`${kiln}/`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      try {
        result.window = `read ${opened?.document.cookie ?? "nothing"}`;
      } catch {
        result.window = "blocked";
      }
      opened?.close();
      return result;
    },
    { kiln: subKiln, bait },
  );
  // The user's server has an _xsrf cookie of its own; none of Kiln's reaches its host.
  expect(outcome.cookies).not.toContain("kiln-session");
  for (const cookie of kilnCookies) expect(outcome.cookies).not.toContain(cookie.value);
  expect(outcome.read).toBe("blocked");
  expect(outcome.window).toBe("blocked");

  const kilnPage = await context.newPage();
  await kilnPage.goto(`${subKiln}/library`);
  // Asked from Kiln's own page: Node's resolver, unlike Chromium's, knows no *.localhost.
  const entries = await kilnPage.evaluate(async () => ((await (await fetch("api/library")).json()) as { entries: { displayName: string }[] }).entries);
  expect(entries.map((e) => e.displayName).filter((name) => name.includes("subdomain-bait"))).toEqual([]);
  expect(entries.some((e) => e.displayName.endsWith(repo.name))).toBe(true);
});

test("with KILN_LINK_LAUNCH=confirm, a launch link builds but asks before running the repository with the visitor's home", async ({ page }) => {
  await signInToSubKiln(page, researcher);
  const repo = repoWithFiles("confirm", { "data.txt": "confirm\n" });
  await page.goto(`${subKiln}/v2/git/${encodeURIComponent(repo.url)}/HEAD?labpath=data.txt`);
  await expect(page.getByTestId("launch-confirm")).toContainText("can read and change the files in your home directory", { timeout: 120_000 });
  // Nothing was started while the visitor had not answered.
  const servers = ((await (await subHubApi(`/users/${researcher}?include_stopped_servers`)).json()) as { servers?: Record<string, { user_options?: { image?: string } }> }).servers ?? {};
  expect(Object.values(servers).some((server) => server.user_options?.image?.includes("confirm"))).toBe(false);
  await page.getByRole("button", { name: "Launch in your server" }).click();
  await expect(page).toHaveURL(new RegExp(`^http://${researcher}\\.localhost:8100/user/${researcher}/[^/]+/lab/tree/${repo.name}/data\\.txt$`), { timeout: 120_000 });
});
