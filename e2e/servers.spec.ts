import { expect, test } from "@playwright/test";
import { JupyterServer } from "./pages/jupyter";
import { signedIn } from "./pages/kiln-shell";
import { LibraryPage } from "./pages/library-page";
import { KilnApi } from "./support/kiln-token-api";
import { dockerRepo } from "./support/repos";
import { hubServer as hubServerOf, removeAllServers, runsAlone, stackEnv, stackScript } from "./support/stack";

const { users } = stackEnv();
const [, , carol] = users as [string, string, string];

test.describe.configure({ timeout: 240_000 });

test.beforeEach(async () => {
  await removeAllServers(carol);
});

/** The Hub's own record of carol's server `name`. */
const hubServer = (name: string) => hubServerOf(carol, name);

test("the Servers page names each server's repository and version, starts a stopped one again, and asks before removing", async ({ browser }) => {
  const api = await KilnApi.as(carol);
  const { repo } = await api.builtImage("servers-page");
  const display = `127.0.0.1:${stackEnv().gitPort}/${repo.name}`;
  const { context, page } = await signedIn(browser, carol);
  const library = new LibraryPage(page);
  await library.open("My images", repo.name);
  await library.launch(display);
  await JupyterServer.fromPage(page, context);

  await page.goto(`${stackEnv().hubUrl}/services/kiln/servers`);
  const row = page.getByTestId("server-row");
  await expect(row).toHaveCount(1);
  // Read as a person reads it, linked to the library entry; the registry name only under details.
  await expect(row.getByTestId("server-entry")).toHaveText(`${display} @ HEAD · ${repo.sha.slice(0, 7)}`);
  await expect(row.getByTestId("server-state")).toHaveText("running");
  await expect(row.getByTestId("image-details").locator("code")).toBeHidden();
  const name = (await row.locator("td").first().locator("span").first().textContent())!.trim();

  await row.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByTestId("servers-notice")).toContainText(`Server ${name} stopped`);
  await expect(row.getByTestId("server-state")).toHaveText("stopped", { timeout: 30_000 });

  // Started again from the page, it opens in JupyterLab: the same server, not a new one.
  await row.getByRole("button", { name: "Start and open" }).click();
  await JupyterServer.fromPage(page, context);
  await expect(page).toHaveURL(new RegExp(`/user/${carol}/${name}/`));
  expect((await hubServer(name))?.ready).toBe(true);

  // Remove asks first and says what it keeps; Cancel keeps the server.
  await page.goto(`${stackEnv().hubUrl}/services/kiln/servers`);
  await row.getByRole("button", { name: "Remove" }).click();
  const dialog = page.getByRole("dialog", { name: `Remove server ${name}?` });
  await expect(dialog).toContainText("Your home directory and every file in it are kept");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect((await hubServer(name))?.ready).toBe(true);
  await row.getByRole("button", { name: "Remove" }).click();
  await dialog.getByRole("button", { name: "Remove server" }).click();
  await expect(page.getByTestId("servers-notice")).toContainText(`Server ${name} was removed. Your home directory and its files are kept.`);
  await expect.poll(() => hubServer(name), { timeout: 60_000 }).toBeUndefined();
  await expect(row).toHaveCount(0);
  await context.close();
});

/** An image whose server takes a while to start: time to watch, cancel, or kill Kiln meanwhile. */
function slowStartingRepo(label: string) {
  return dockerRepo(label, 'ENTRYPOINT ["tini", "-g", "--", "sh", "-c", "sleep 12; exec \\"$@\\"", "--"]\nCMD ["jupyterhub-singleuser"]');
}

test("a launch shows the Hub's progress messages and the time taken, and Cancel stops the server", async ({ browser }) => {
  const api = await KilnApi.as(carol);
  const repo = slowStartingRepo("cancel-launch");
  await api.build(repo.url);
  const { context, page } = await signedIn(browser, carol);
  const library = new LibraryPage(page);
  await library.open("My images", repo.name);
  await library.launch(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`);

  const progress = page.getByTestId("launch-progress");
  await expect(progress.getByTestId("launch-messages")).toContainText(/Server requested|Spawning server/i);
  await expect(progress.getByTestId("launch-elapsed")).toHaveText(/^[2-9] s$|^\d\d s$/, { timeout: 20_000 });
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(page.getByTestId("launch-cancelled")).toHaveText("Cancelled: the server was stopped. Your home directory is unchanged.");
  const servers = (await api.ok<{ servers: { name: string; ready: boolean; pending: string | null }[] }>("GET", "servers")).servers.filter((s) => s.name);
  expect(servers).toHaveLength(1);
  await expect.poll(async () => (await hubServer(servers[0]!.name))?.pending ?? "none", { timeout: 60_000 }).toBe("none");
  expect((await hubServer(servers[0]!.name))?.ready).toBe(false);
  await context.close();
});

test("a launch whose progress stream drops (Kiln restarted mid-start) still ends in the server", runsAlone, async ({ browser }) => {
  const api = await KilnApi.as(carol);
  const repo = slowStartingRepo("survive-launch");
  await api.build(repo.url);
  const { context, page } = await signedIn(browser, carol);
  const library = new LibraryPage(page);
  await library.open("My images", repo.name);
  await library.launch(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`);
  await expect(page.getByTestId("launch-messages")).toContainText(/Server requested|Spawning server/i);

  await stackScript("kiln.sh", "kill");
  try {
    await expect(page.getByText("The connection to JupyterHub dropped; reconnecting…")).toBeVisible();
  } finally {
    await stackScript("kiln.sh", "start");
  }
  await JupyterServer.fromPage(page, context);
  await expect(page).toHaveURL(new RegExp(`/user/${carol}/`));
  await context.close();
});
