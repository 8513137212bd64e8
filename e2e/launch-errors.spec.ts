import { expect, test } from "@playwright/test";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { dockerRepo } from "./support/repos";
import { runsAlone, stackEnv, stackScript } from "./support/stack";

const alice = stackEnv().users[0]!;

test.beforeEach(async ({ page }) => {
  await new KilnShell(page).signInThroughHub(alice);
});

test("bad input is explained next to the field and nothing is queued", async ({ page }) => {
  const launch = new LaunchPage(page);
  const before = await (await page.request.get("api/me")).json();
  expect(before.name).toBe(alice);

  await launch.submit("");
  await expect(launch.hint).toContainText("Paste a repository URL");
  await expect(launch.repository).toHaveAttribute("aria-invalid", "true");

  await launch.submit("not a repository at all");
  await expect(launch.hint).toContainText("Kiln does not recognise this");

  await launch.submit("ftp://example.org/repo.git");
  await expect(launch.hint).toContainText("ftp: URLs are not supported");

  const repo = dockerRepo("refs", "RUN true");
  await launch.submit(repo.url, "no-such-branch");
  await expect(page.getByText("has no branch or tag named “no-such-branch”")).toBeVisible();
  await expect(launch.ref).toHaveAttribute("aria-invalid", "true");

  await launch.submit(`git://127.0.0.1:${stackEnv().gitPort}/missing-repo.git`);
  await expect(launch.hint).toContainText("Kiln could not read a git repository at this URL");
  // Git's own words (they can describe other hosts and ports) stay in Kiln's log.
  await expect(launch.hint).not.toContainText("fatal");
  await expect(page).toHaveURL(/\/services\/kiln$/);
});

test("a repository on a private address that is not allow-listed is refused", async ({ page }) => {
  const launch = new LaunchPage(page);
  await launch.submit("git://127.0.0.1:9/secret.git");
  await expect(launch.hint).toContainText("local or private address");
  // It says which private hosts this Hub does build from, with their ports, and who can add one.
  await expect(launch.hint).toContainText(`The private hosts this Hub builds from are: 127.0.0.1:${stackEnv().gitPort}`);
  await expect(launch.hint).toContainText("ask your Hub admin");
  await launch.submit("http://169.254.169.254/latest/meta-data/");
  await expect(launch.hint).toContainText("169.254.169.254: it is a local or private address");
  await expect(launch.hint).not.toContainText("KILN_");
});

test("with the engine down the request is refused with a clear message, and works once it is back", runsAlone, async ({ page }) => {
  const repo = dockerRepo("engine-down", "RUN true");
  const launch = new LaunchPage(page);
  await stackScript("engine.sh", "stop");
  try {
    await launch.submit(repo.url);
    await expect(page.getByRole("alert").filter({ hasText: "container engine is not answering" })).toBeVisible();
    await expect(page).toHaveURL(/\/services\/kiln$/);
  } finally {
    await stackScript("engine.sh", "start");
  }
  await launch.build(repo.url);
});
