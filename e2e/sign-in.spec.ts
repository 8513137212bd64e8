import { expect, test } from "@playwright/test";
import { HubLoginPage } from "./pages/hub-login";
import { KilnShell } from "./pages/kiln-shell";
import { hubServer, stackEnv } from "./support/stack";

const { hubUrl, admin, users, unlimitedGroup } = stackEnv();
const alice = users[0]!;

test("a user signs in on the Hub's login page and lands in Kiln seeing their name", async ({ page }) => {
  const shell = new KilnShell(page);
  await shell.signInThroughHub(alice);
  await expect(page).toHaveURL(`${hubUrl}/services/kiln`);
  await expect(page.getByRole("heading", { level: 1, name: "Launch" })).toBeVisible();
  await expect(shell.currentUser).toHaveText(alice);
  const me = await page.request.get("api/me");
  expect(await me.json()).toEqual({ name: alice, isAdmin: false, isModerator: false, groups: [unlimitedGroup] });
});

test("a signed-out visitor to a page is sent to the Hub login and comes back to that page", async ({ page }) => {
  await page.goto("library?view=mine");
  const login = new HubLoginPage(page);
  await login.expectShown();
  await login.signIn(alice);
  await expect(page).toHaveURL(`${hubUrl}/services/kiln/library?view=mine`);
  await expect(page.getByRole("heading", { level: 1, name: "Library" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "My images" })).toBeVisible();
});

test("a sign-in whose way back was lost lands on Kiln's home, and starts no server on the Hub", async ({ page, context }) => {
  const person = users[1]!;
  await page.goto("library?view=mine");
  const login = new HubLoginPage(page);
  await login.expectShown();
  // What next-auth would have brought the person back with is gone (cleared, expired, or never
  // stored): it then offers the Hub's root, which would start their default server.
  const before = (await context.cookies()).length;
  await context.clearCookies({ name: /callback-url/ });
  expect((await context.cookies()).length).toBe(before - 1);
  await login.signIn(person);
  await expect(page).toHaveURL(new RegExp(`^${hubUrl}/services/kiln/?$`));
  await expect(new KilnShell(page).currentUser).toHaveText(person);
  const server = await hubServer(person, "");
  expect(server?.ready ?? false).toBe(false);
  expect(server?.pending ?? null).toBeNull();
});

test("an ordinary user sees no Admin entry and is refused by admin-only endpoints", async ({ page }) => {
  const shell = new KilnShell(page);
  await shell.signInThroughHub(alice);
  await expect(shell.navLink("Launch")).toBeVisible();
  await expect(shell.navLink("Library")).toBeVisible();
  await expect(shell.navLink("Admin")).toHaveCount(0);

  const response = await page.request.get("api/admin/summary");
  expect(response.status()).toBe(403);
  expect(response.headers()["content-type"]).toContain("application/problem+json");
  expect((await response.json()).detail).toMatch(/permission/);

  await page.goto("admin");
  await expect(page.getByRole("heading", { name: "You can’t moderate Kiln" })).toBeVisible();
});

test("an admin sees the Admin entry and its page", async ({ page }) => {
  const shell = new KilnShell(page);
  await shell.signInThroughHub(admin);
  await expect(shell.currentUser).toContainText("admin");
  await shell.navLink("Admin").click();
  await expect(page).toHaveURL(/\/services\/kiln\/admin$/);
  await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  await expect(page.getByTestId("admin-user-count")).toHaveText(/^[1-9]\d*$/);
  const me = await page.request.get("api/me");
  expect(await me.json()).toMatchObject({ name: admin, isAdmin: true, isModerator: true });
});

test("signing out ends the Kiln session and the Hub session", async ({ page }) => {
  const shell = new KilnShell(page);
  await shell.signInThroughHub(alice);
  await shell.signOut();
  await expect(page).toHaveURL(/\/hub\/(login|logout)/);
  expect((await page.request.get("api/me")).status()).toBe(401);
  await page.goto("");
  await new HubLoginPage(page).expectShown();
});

test("the Hub's home page links to Kiln", async ({ page }) => {
  await page.goto(`${hubUrl}/hub/home`);
  await new HubLoginPage(page).signIn(alice);
  await page.getByRole("link", { name: "Open Kiln" }).click();
  await expect(new KilnShell(page).currentUser).toHaveText(alice);
});

test("a signed-out API request gets 401 with a message, not a login page", async ({ request }) => {
  const response = await request.get("api/me");
  expect(response.status()).toBe(401);
  expect((await response.json()).detail).toBe("Sign in through JupyterHub to use Kiln.");
});
