import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { dockerRepo } from "./support/repos";
import { stackEnv } from "./support/stack";

const { users } = stackEnv();
const [alice] = users as [string];

test.describe.configure({ timeout: 180_000 });

test("the log draws only the rows in view of a long log, shows markup as text, keeps colours, shows what a progress bar left, and scrolls by keyboard", async ({ page }) => {
  const lines = 3000;
  // Sent encoded, so the build's echo of its own command line holds none of the markers searched for.
  const output = [
    '<img src=x onerror="window.kilnPwned=1">',
    "</div><script>window.kilnPwned=2</script>",
    "\u001b[31mred-marker\u001b[0m plain-marker",
    "progress 10%\rprogress 55%\rprogress 100%",
  ].join("\n");
  const repo = dockerRepo("log-viewer", `RUN echo ${Buffer.from(`${output}\n`).toString("base64")} | base64 -d\nRUN seq -f 'long-log-%g' 1 ${lines}`);
  await new KilnShell(page).signInThroughHub(alice);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectPhase("Built");

  // Opened fresh, a finished build's log ends at its last line, with only the rows in view drawn.
  const stored = (await build.rawLog(id)).trimEnd().split("\n");
  expect(stored).toContain(`long-log-${lines}`);
  await page.reload();
  await expect(build.rows).toContainText(stored.at(-1)!.replace(/\u001b\[[0-9;]*m/g, ""));
  await expect(page.getByTestId("log-follow-state")).toHaveText("Following the end of the log");
  const drawn = await build.rows.locator("[data-line]").count();
  expect(drawn).toBeGreaterThan(5);
  expect(drawn).toBeLessThan(100);
  const last = Number(await build.rows.locator("[data-line]").last().getAttribute("data-line"));
  // A line that ended in a carriage return was overwritten by the next, as on a terminal.
  expect(last).toBe(stored.filter((line) => !line.endsWith("\r")).length);

  // The keyboard scrolls it: Tab reaches the log, Home goes to the first line, End follows again.
  await build.log.focus();
  await expect(build.log).toBeFocused();
  await page.keyboard.press("Home");
  await expect(page.getByTestId("log-follow-state")).toHaveText("Scrolled up: not following");
  await expect(build.rows.locator('[data-line="1"]')).toBeVisible();
  await expect(build.rows).not.toContainText(`long-log-${lines}`);
  await page.keyboard.press("End");
  await expect(page.getByTestId("log-follow-state")).toHaveText("Following the end of the log");

  // Markup in the output is text: nothing ran, nothing was parsed into the page.
  const search = page.getByRole("searchbox", { name: "Search the log" });
  await search.fill("onerror");
  await expect(page.getByTestId("log-search-results")).toHaveText("1 of 1");
  await expect(build.rows).toContainText('<img src=x onerror="window.kilnPwned=1">');
  await search.fill("</script>");
  await expect(build.rows).toContainText("</div><script>window.kilnPwned=2</script>");
  await expect(build.log.locator("img, script")).toHaveCount(0);
  expect(await page.evaluate(() => (window as { kilnPwned?: number }).kilnPwned)).toBeUndefined();

  // A progress bar that rewrote itself (the builder passes each redraw on as a line ending in a
  // carriage return) shows what it left on screen, once.
  await search.fill("progress");
  await expect(page.getByTestId("log-search-results")).toHaveText("1 of 1");
  const progress = build.rows.locator("[data-line]", { hasText: "progress" });
  await expect(progress).toHaveText("progress 100%");

  // Colours are kept, in a shade that reads on the dark background; the match is marked.
  await search.fill("plain-marker");
  await expect(build.rows.locator("mark[data-active-match]")).toHaveText("plain-marker");
  await expect(build.rows.getByText("red-marker", { exact: true })).toHaveCSS("color", "rgb(248, 113, 113)");
  await search.fill("long-log-2");
  await expect(page.getByTestId("log-search-results")).toHaveText(`1 of ${1 + 10 + 100 + 1000}`); // 2, 20–29, 200–299, 2000–2999
  await page.getByRole("button", { name: "Previous match" }).click();
  await expect(page.getByTestId("log-search-results")).toHaveText("1111 of 1111");
  await expect(build.rows.locator("mark[data-active-match]")).toHaveText("long-log-2");
  await expect(build.rows).toContainText("long-log-2999");
});
