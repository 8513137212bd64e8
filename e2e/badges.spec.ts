import { expect, test, type Page } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { HubLoginPage } from "./pages/hub-login";
import { JupyterServer } from "./pages/jupyter";
import { signedIn } from "./pages/kiln-shell";
import { serveReadme } from "./support/readme-site";
import { repoWithFiles } from "./support/repos";
import { hubApi, removeAllServers, stackDatabase, stackEnv } from "./support/stack";

// A README badge, clicked in Chromium: the visitor signs in on the Hub's page and, without
// another click, lands in JupyterLab in their own server with the linked notebook open from the
// repository's folder in their persistent home.

const { hubUrl, users } = stackEnv();
const [, bob, carol] = users as [string, string, string];
const kiln = `${hubUrl}/services/kiln`;

test.describe.configure({ timeout: 300_000 });

const notebook = JSON.stringify({
  cells: [{ cell_type: "code", execution_count: null, id: "c1", metadata: {}, outputs: [], source: ["print('hello from a badge')"] }],
  metadata: { kernelspec: { display_name: "Python 3", language: "python", name: "python3" } },
  nbformat: 4,
  nbformat_minor: 5,
});

test.beforeAll(async () => {
  for (const user of [bob, carol]) await removeAllServers(user);
});
test.afterAll(async () => {
  for (const user of [bob, carol]) await removeAllServers(user);
});

/** The user's named servers as the Hub reports them. */
/** The user's named servers, as who they are and when they started: last_activity moves on its own. */
async function hubServers(user: string): Promise<Record<string, { started: string | null; url: string }>> {
  type HubServer = { started: string | null; url: string };
  const model = (await (await hubApi(`/users/${user}?include_stopped_servers`)).json()) as { servers?: Record<string, HubServer> };
  return Object.fromEntries(
    Object.entries(model.servers ?? {})
      .filter(([name]) => name)
      .map(([name, server]) => [name, { started: server.started, url: server.url }]),
  );
}

async function clickBadge(page: Page, readme: string) {
  await page.goto(readme);
  await page.getByRole("link", { name: "Launch in Kiln" }).click();
}

test("a README badge opens the notebook in each visitor's own server, building once and reusing servers", async ({ browser }) => {
  const repo = repoWithFiles("badge", { "notebooks/demo.ipynb": notebook, "README.md": "# demo\n" });
  const link = `${kiln}/v2/git/${encodeURIComponent(repo.url)}/HEAD?labpath=notebooks%2Fdemo.ipynb`;
  const site = await serveReadme(`# A paper's code\n\n[![Launch in Kiln](${kiln}/badge_logo.svg)](${link})\n\nClick the badge.\n`);
  try {
    // Carol is signed out of the Hub and of Kiln.
    const first = await browser.newContext();
    const page = await first.newPage();
    await clickBadge(page, site.url);
    const login = new HubLoginPage(page);
    await login.expectShown();
    await login.signIn(carol);
    const jupyter = await JupyterServer.fromPage(page, first);
    await expect(page).toHaveURL(new RegExp(`/user/${carol}/[a-z0-9-]+/lab/tree/${repo.name}/notebooks/demo\\.ipynb$`));
    await expect(page.getByRole("tab", { name: /demo\.ipynb/ }).first()).toBeVisible({ timeout: 60_000 });
    await expect(page.locator(".jp-NotebookPanel").getByText("hello from a badge")).toBeVisible();
    // The notebook came from the repository into its folder of carol's home.
    expect(JSON.stringify(await jupyter.read(`${repo.name}/notebooks/demo.ipynb`))).toContain("hello from a badge");
    const servers = await hubServers(carol);
    expect(Object.keys(servers)).toHaveLength(1);
    const [serverName, server] = Object.entries(servers)[0]!;

    // The second click reuses the running server: same address, not restarted, no new server.
    await clickBadge(page, site.url);
    await expect(page).toHaveURL(new RegExp(`/user/${carol}/${serverName}/lab/tree/${repo.name}/notebooks/demo\\.ipynb$`), { timeout: 60_000 });
    expect(await hubServers(carol)).toEqual({ [serverName]: server });

    // Bob, signed out, clicks the same badge: nothing is built again, and he gets his own server.
    const second = await browser.newContext();
    const bobPage = await second.newPage();
    await clickBadge(bobPage, site.url);
    await new HubLoginPage(bobPage).expectShown();
    await new HubLoginPage(bobPage).signIn(bob);
    await JupyterServer.fromPage(bobPage, second);
    await expect(bobPage).toHaveURL(new RegExp(`/user/${bob}/[a-z0-9-]+/lab/tree/${repo.name}/notebooks/demo\\.ipynb$`));
    const db = await stackDatabase();
    try {
      const builds = await db.query("SELECT count(*)::int AS n FROM builds WHERE repo_url = $1", [repo.url]);
      expect(builds.rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
    await second.close();

    // urlpath and filepath, as on mybinder.org, open inside the repository's folder.
    await page.goto(link.replace("labpath=notebooks%2Fdemo.ipynb", "urlpath=tree%2Fnotebooks"));
    await expect(page).toHaveURL(new RegExp(`/user/${carol}/${serverName}/tree/${repo.name}/notebooks$`), { timeout: 60_000 });
    await expect(page.getByText("demo.ipynb").first()).toBeVisible({ timeout: 30_000 });
    await page.goto(link.replace("labpath=", "filepath="));
    await expect(page).toHaveURL(new RegExp(`/user/${carol}/${serverName}/(tree|notebooks)/${repo.name}/notebooks/demo\\.ipynb$`), { timeout: 60_000 });
    await expect(page.getByText("hello from a badge").first()).toBeVisible({ timeout: 30_000 });
    await first.close();
  } finally {
    await site.close();
  }
});


test("a link to a repository that fails to build shows the failure, its log, and what to do", async ({ browser }) => {
  const broken = repoWithFiles("badge-broken", { Dockerfile: "FROM localhost/kiln-singleuser:5.5.4\nRUN echo 'missing dependency: kiln-test-lib' && exit 3\n" });
  const { context, page } = await signedIn(browser, carol);
  await page.goto(`${kiln}/v2/git/${encodeURIComponent(broken.url)}/HEAD`);
  await expect(page.getByTestId("build-status")).toHaveText("Failed", { timeout: 120_000 });
  await expect(page.getByTestId("link-build-failed")).toContainText("did not build");
  await new BuildPage(page).expectLogShows("missing dependency: kiln-test-lib");
  await expect(page.getByRole("button", { name: "Try building again" })).toBeVisible();
  // Nothing was launched from the failed build.
  const servers = (await (await hubApi(`/users/${carol}?include_stopped_servers`)).json()) as { servers?: Record<string, { user_options?: { image?: string } }> };
  expect(Object.values(servers.servers ?? {}).filter((server) => server.user_options?.image?.includes("badge-2dbroken"))).toEqual([]);

  // A link without a ref is refused as BinderHub refuses it, with the link it probably meant.
  await page.goto(`${kiln}/v2/gh/org/repo?labpath=a.ipynb`);
  await expect(page.getByTestId("link-problem")).toContainText("Did you mean gh/org/repo/HEAD?");
  await expect(page.getByRole("link", { name: "Open /v2/gh/org/repo/HEAD" })).toHaveAttribute("href", /\/v2\/gh\/org\/repo\/HEAD\?labpath=a.ipynb$/);
  await context.close();
});

test("a visitor at the server limit is shown their servers and launches after removing one", async ({ browser }) => {
  const limit = Number(process.env.KILN_NAMED_SERVER_LIMIT ?? 3);
  const { context, page } = await signedIn(browser, bob);
  await removeAllServers(bob);
  // Fill bob's places with servers of the base image, started through the Hub as any client could.
  for (let i = 0; i < limit; i++) {
    const response = await hubApi(`/users/${bob}/servers/filler-${i}`, { method: "POST", body: "{}" });
    expect(response.status, await response.text()).toBeLessThan(300);
  }
  const repo = repoWithFiles("badge-limit", { "data.txt": "limit\n" });
  await page.goto(`${kiln}/v2/git/${encodeURIComponent(repo.url)}/HEAD?labpath=data.txt`);
  const help = page.getByTestId("server-limit");
  await expect(help).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId("launch-error")).toContainText(`maximum of ${limit} named servers`);
  await help.getByRole("button", { name: "Remove filler-0 and launch" }).click();
  await JupyterServer.fromPage(page, context);
  await expect(page).toHaveURL(new RegExp(`/user/${bob}/[a-z0-9-]+/lab/tree/${repo.name}/data\\.txt$`));
  expect(Object.keys(await hubServers(bob))).not.toContain("filler-0");
  await context.close();
});
