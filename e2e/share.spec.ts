import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { LibraryPage } from "./pages/library-page";
import { repoWithFiles } from "./support/repos";
import { stackEnv } from "./support/stack";

// Sharing: the Launch form reads pasted launch links and badges, and writes the link and badge
// snippets for what is typed; built things have a Share action; badges are served cacheable.

const { hubUrl, users } = stackEnv();
const carol = users[2]!;
const kiln = `${hubUrl}/services/kiln`;

test.beforeEach(async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await new KilnShell(page).signInThroughHub(carol);
});

test("pasting a launch link or a badge snippet fills repository, ref and path", async ({ page }) => {
  const form = new LaunchPage(page);
  await form.open();
  await form.repository.fill("[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/binder-examples/requirements/main?labpath=index.ipynb)");
  await expect(form.repository).toHaveValue("https://github.com/binder-examples/requirements");
  await expect(form.ref).toHaveValue("main");
  await expect(form.path).toHaveValue("index.ipynb");
  await expect(form.hint).toContainText("Filled in from the launch link");

  await form.repository.fill(".. image:: https://mybinder.org/badge_logo.svg\n :target: https://mybinder.org/v2/gl/group%2Fproject/v1.0?urlpath=voila%2Frender%2Fapp.ipynb");
  await expect(form.repository).toHaveValue("https://gitlab.com/group/project");
  await expect(form.ref).toHaveValue("v1.0");
  await expect(form.path).toHaveValue("/voila/render/app.ipynb");

  const url = `git://127.0.0.1:${stackEnv().gitPort}/some-repo.git`;
  await form.repository.fill(`<a href="${kiln}/v2/git/${encodeURIComponent(url)}/HEAD?filepath=a.ipynb"><img src="${kiln}/badge_logo.svg"></a>`);
  await expect(form.repository).toHaveValue(url);
  await expect(form.ref).toHaveValue("");
  await expect(form.path).toHaveValue("/tree/a.ipynb");
});

test("the Launch form writes the launch link and badges for what is typed, ready to copy", async ({ page }) => {
  const form = new LaunchPage(page);
  await form.open();
  await form.repository.fill("https://github.com/binder-examples/requirements");
  await form.ref.fill("feature/x");
  await form.path.fill("notebooks/a b.ipynb");
  const share = page.getByTestId("share-links");
  const link = `${kiln}/v2/gh/binder-examples/requirements/feature/x?labpath=notebooks%2Fa+b.ipynb`;
  await expect(share.getByRole("textbox", { name: "Launch link", exact: true })).toHaveValue(link);
  await expect(share.getByRole("textbox", { name: "Markdown badge", exact: true })).toHaveValue(`[![Launch in Kiln](${kiln}/badge_logo.svg)](${link})`);
  await expect(share.getByRole("textbox", { name: "reStructuredText badge", exact: true })).toHaveValue(`.. image:: ${kiln}/badge_logo.svg\n   :alt: Launch in Kiln\n   :target: ${link}`);
  await expect(share.getByRole("textbox", { name: "HTML badge", exact: true })).toHaveValue(`<a href="${link}"><img src="${kiln}/badge_logo.svg" alt="Launch in Kiln"></a>`);
  await share.getByRole("button", { name: "Copy Markdown badge" }).click();
  await expect(share.getByRole("button", { name: "Copy Markdown badge" })).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`[![Launch in Kiln](${kiln}/badge_logo.svg)](${link})`);
});

test("a built repository is shared by branch or by exact version, and a private entry says what visitors get", async ({ page }) => {
  test.setTimeout(180_000);
  const repo = repoWithFiles("share", { "README.md": "# share\n" });
  const form = new LaunchPage(page);
  await form.open();
  await form.build(repo.url);
  await new BuildPage(page).expectPhase("Built");
  await page.getByTestId("share").locator("summary").click();
  const share = page.getByTestId("share-links");
  const spec = `git/${encodeURIComponent(repo.url)}`;
  await expect(share.getByRole("textbox", { name: "Launch link", exact: true })).toHaveValue(`${kiln}/v2/${spec}/HEAD`);
  await expect(share).toContainText("This entry is private");
  await share.getByLabel(/Exactly this version/).check();
  await expect(share.getByRole("textbox", { name: "Launch link", exact: true })).toHaveValue(`${kiln}/v2/${spec}/${repo.sha}`);

  const library = new LibraryPage(page);
  await library.open("My images", repo.name);
  const entry = library.repository(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`).getByTestId("library-entry").first();
  await entry.getByTestId("share").locator("summary").click();
  await expect(entry.getByTestId("share-links").getByRole("textbox", { name: "Launch link", exact: true })).toHaveValue(`${kiln}/v2/${spec}/HEAD`);
});

test("badges are SVG images naming this Hub, cacheable, and served to anyone", async ({ request }) => {
  for (const name of ["badge.svg", "badge_logo.svg"]) {
    const response = await fetch(`${kiln}/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(response.headers.get("cache-control")).toMatch(/public, max-age=\d+/);
    const svg = await response.text();
    expect(svg).toContain('aria-label="launch: Kiln"');
    expect(svg.includes("<image")).toBe(name === "badge_logo.svg");
  }
  // The legacy /repo/ form redirects as BinderHub does: to master, with the rest as urlpath.
  const legacy = await request.get(`${kiln}/repo/org/repo/notebooks/index.ipynb`, { maxRedirects: 0 });
  expect(legacy.status()).toBe(302);
  expect(legacy.headers().location).toBe(`${kiln}/v2/gh/org/repo/master?urlpath=%2Fnotebooks%2Findex.ipynb`);
});
