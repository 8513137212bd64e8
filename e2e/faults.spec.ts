import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { dockerRepo, printedLines, printLines } from "./support/repos";
import { runsAlone, stackEnv, stackScript } from "./support/stack";

test.describe.configure({ timeout: 180_000 });

test("a database restart in the middle of a build loses nothing", runsAlone, async ({ page }) => {
  const repo = dockerRepo("db-restart", printLines(40, 0.25));
  await new KilnShell(page).signInThroughHub(stackEnv().users[1]!);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectLogShows("kiln-line-5");

  await stackScript("postgres.sh", "stop");
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await stackScript("postgres.sh", "start");

  await build.expectPhase("Built");
  const health = await page.request.get("api/health");
  expect(health.status()).toBe(200);
  const log = await build.rawLog(id);
  expect(printedLines(log)).toEqual(Array.from({ length: 40 }, (_, i) => `kiln-line-${i + 1}`));
});
