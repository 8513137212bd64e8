import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { dockerRepo, printLines } from "./support/repos";
import { stackEnv } from "./support/stack";

const { users } = stackEnv();
const [alice] = users as [string];

test.describe.configure({ timeout: 180_000 });

test("a failed build names the step that failed and its last output, marks only that phase, and offers Retry and Edit and rebuild", async ({ page }) => {
  const repo = dockerRepo("step-fails", `${printLines(40, 0)}\nRUN echo "installing the thing" && echo "error: the-thing-is-missing" && exit 7`);
  await new KilnShell(page).signInThroughHub(alice);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectPhase("Failed");

  // The step and its exit status, in words; not repo2docker's command line.
  await expect(build.error).toHaveText("The build failed at step 4 of 8 (the command exited with status 7). The step and its last output are below: fix the repository, then rebuild.");
  await expect(build.error).not.toContainText("buildx");
  await expect(page.getByTestId("build-failure-step")).toHaveText('Step 4 of 8: RUN echo "installing the thing" && echo "error: the-thing-is-missing" && exit 7');
  await expect(page.getByTestId("build-failure-output")).toHaveText("installing the thing\nerror: the-thing-is-missing");

  // Only the building phase is red: queued and fetching done, pushing and built not reached.
  const steps = page.getByTestId("build-phase-step");
  await expect(steps).toHaveCount(5);
  expect(await steps.evaluateAll((items) => items.map((item) => item.getAttribute("data-state")))).toEqual(["done", "done", "failed", "todo", "todo"]);
  await expect(steps.nth(2)).toContainText("Building · failed");
  await expect(build.phase).toHaveAttribute("aria-valuetext", "Failed while building");

  // The log: search counts matches; "Jump to the error" selects the failure line; scrolling up stops following.
  const search = page.getByRole("searchbox", { name: "Search the log" });
  await search.fill("kiln-line-3");
  // kiln-line-3 and kiln-line-30…39; the first shown is the first at or below the top of the view.
  const results = page.getByTestId("log-search-results");
  await expect(results).toHaveText(/^\d+ of 11$/);
  const first = Number((await results.textContent())!.split(" ")[0]);
  await search.press("Enter");
  await expect(results).toHaveText(`${(first % 11) + 1} of 11`);
  await search.press("Shift+Enter");
  await expect(results).toHaveText(`${first} of 11`);
  await search.fill("no such text anywhere");
  await expect(page.getByTestId("log-search-results")).toHaveText("No matches");
  await search.fill("");
  const rows = build.rows;
  await build.log.hover();
  await page.mouse.wheel(0, -20_000);
  await expect(page.getByTestId("log-follow-state")).toHaveText("Scrolled up: not following");
  await expect(rows).toContainText("Picked Git content provider");
  await expect(rows).not.toContainText("the-thing-is-missing");
  await page.getByRole("button", { name: "Jump to the error" }).click();
  await expect(rows).toContainText("error: the-thing-is-missing");
  await expect(rows).not.toContainText("Picked Git content provider");
  // Back to the end, following again.
  await build.log.hover();
  await page.mouse.wheel(0, -20_000);
  await page.getByRole("button", { name: "Follow", exact: true }).click();
  await expect(page.getByTestId("log-follow-state")).toHaveText("Following the end of the log");
  await expect(rows).toContainText("The build failed at step 4 of 8");

  // Timestamps on: every line starts with the time Kiln stored it; the download has them too.
  await page.getByRole("checkbox", { name: "Timestamps" }).check();
  await expect(rows).toContainText(/\d\d:\d\d:\d\d The build failed at step 4 of 8/);
  const download = page.getByRole("link", { name: "Download with timestamps" });
  const stamped = await (await page.request.get(String(await download.getAttribute("href")).replace(/^.*\/api\//, "api/"))).text();
  expect(stamped.split("\n").filter(Boolean).every((line) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /.test(line))).toBe(true);
  await page.getByRole("checkbox", { name: "Timestamps" }).uncheck();
  await expect(rows).not.toContainText(/\d\d:\d\d:\d\d The build failed/);
  await expect(rows).toContainText("The build failed at step 4 of 8");

  // Retry builds the same repository again: a new build, failing the same way.
  await page.getByRole("button", { name: "Retry" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/builds/${id}$`));
  await expect(page).toHaveURL(/\/builds\/[0-9a-f-]{36}$/);
  await build.expectPhase("Failed");
  await expect(page.getByTestId("build-failure-step")).toContainText("Step 4 of 8");

  // Edit and rebuild: back to the form with the repository filled in.
  await page.getByRole("link", { name: "Edit and rebuild" }).click();
  const launch = new LaunchPage(page);
  await expect(launch.repository).toHaveValue(repo.url);
  await expect(launch.hint).toContainText("Recognised: Git repository");
});
