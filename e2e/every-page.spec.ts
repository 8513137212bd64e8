import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { changePolicy, KilnApi } from "./support/kiln-token-api";
import { dockerRepo } from "./support/repos";
import { hubApi, hubServer, stackDatabase, stackEnv } from "./support/stack";

// Every page of Kiln, as each person meets it: at a desktop's width and a phone's (390 px), in
// light and dark mode, checked by axe (WCAG 2.1 A and AA) and for sideways scrolling.

const { users, admin, hubUrl } = stackEnv();
const [alice] = users as [string];

test.describe.configure({ timeout: 600_000 });

const SIZES = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
const SCHEMES = ["light", "dark"] as const;

interface Visit {
  name: string;
  path: string;
  /** Waits for what the page loads after its first paint. */
  ready: (page: Page) => Promise<void>;
}

async function signedInContext(browser: Browser, user: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new KilnShell(page).signInThroughHub(user);
  return { context, page };
}

/** Axe's findings on the page, as lines a person can read. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations.flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")} — ${node.failureSummary?.split("\n").slice(1, 2).join(" ") ?? ""}`));
}

/** What every page shows something of: a built (shared) and a failed build in alice's library. */
interface Library {
  built: { entryId: number; buildId: string };
  failedBuildId: string;
}

// Made once per worker (each worker has its own alice), whichever of the sweeps runs first.
let library: Promise<Library> | undefined;

async function makeLibrary(): Promise<Library> {
  const api = await KilnApi.as(alice);
  const built = await api.builtImage("every-page");
  const failing = dockerRepo("every-page-fails", 'RUN echo "this step fails" && exit 2');
  const failedBuild = await api.ok<{ build: { id: string } }>("POST", "builds", { repository: failing.url }, 201);
  await expect.poll(async () => (await api.ok<{ status: string }>("GET", `builds/${failedBuild.build.id}`)).status, { timeout: 180_000 }).toBe("failed");
  await api.share(built.entryId);
  return { built, failedBuildId: failedBuild.build.id };
}

/** A stopped server on the Servers page; other specs in this worker may have removed it since. */
async function stoppedServer(): Promise<void> {
  const state = async () => {
    const server = await hubServer(alice, "every-page");
    return !server ? "gone" : server.ready ? "running" : (server.pending ?? "stopped");
  };
  if ((await state()) === "gone") {
    expect((await hubApi(`/users/${alice}/servers/every-page`, { method: "POST", body: JSON.stringify({}) })).status).toBeLessThan(300);
  }
  await expect.poll(state, { timeout: 120_000 }).toMatch(/^(running|stopped)$/);
  if ((await state()) === "stopped") return;
  await hubApi(`/users/${alice}/servers/every-page`, { method: "DELETE", body: JSON.stringify({ remove: false }) });
  await expect.poll(state, { timeout: 60_000 }).toBe("stopped");
}

// One sweep per screen size and colour scheme, so the four run side by side.
for (const size of SIZES) {
  for (const scheme of SCHEMES) {
    test(`every page passes axe and fits the screen: ${size.name} (${size.width} px), ${scheme} mode`, async ({ browser }) => {
      const { built, failedBuildId } = await (library ??= makeLibrary().catch((error: unknown) => {
        library = undefined;
        throw error;
      }));
      await stoppedServer();

      const heading = (name: string) => async (page: Page) => {
        await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
      };
      const visits: Visit[] = [
        { name: "Launch", path: "", ready: heading("Launch") },
        { name: "Library", path: "library", ready: async (page) => void (await expect(page.getByTestId("library-entry").first()).toBeVisible()) },
        {
          name: "Library, shared",
          path: "library",
          ready: async (page) => {
            await page.getByRole("tab", { name: "Shared with everyone" }).click();
            await expect(page.getByTestId("library-entry").first()).toBeVisible();
          },
        },
        { name: "Servers", path: "servers", ready: async (page) => void (await expect(page.getByTestId("server-row").first()).toBeVisible()) },
        { name: "Build, built", path: `builds/${built.buildId}`, ready: async (page) => new BuildPage(page).expectPhase("Built") },
        { name: "Build, failed", path: `builds/${failedBuildId}`, ready: async (page) => new BuildPage(page).expectPhase("Failed") },
        { name: "Not found", path: "no-such-page", ready: heading("Nothing here") },
      ];
      const adminVisits: Visit[] = ["overview", "shared", "bans", "policy", "audit"].map((tab) => ({
        name: `Admin ${tab}`,
        path: tab === "overview" ? "admin" : `admin?tab=${tab}`,
        ready: async (page) => {
          await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
          await expect(page.getByText(/^Loading/)).toHaveCount(0);
        },
      }));

      const problems: string[] = [];
      for (const [user, list] of [[alice, visits], [admin, adminVisits]] as const) {
        const { context, page } = await signedInContext(browser, user);
        await page.setViewportSize({ width: size.width, height: size.height });
        await page.emulateMedia({ colorScheme: scheme });
        for (const visit of list) {
          await page.goto(visit.path);
          await visit.ready(page);
          const where = `${visit.name} (${size.name}, ${scheme})`;
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) problems.push(`${where}: ${overflow} px wider than the screen`);
          for (const line of await violations(page)) problems.push(`${where}: ${line}`);
        }
        await context.close();
      }
      expect(problems).toEqual([]);
    });
  }
}

test("focus moves to the new page's heading after navigating, and the library's tabs answer the arrow keys", async ({ page }) => {
  const shell = new KilnShell(page);
  await shell.signInThroughHub(alice);
  await shell.navLink("Library").click();
  await expect(page.getByRole("heading", { level: 1, name: "Library" })).toBeFocused();
  // Next's route announcer tells screen readers the new page's name.
  await expect(page.locator("next-route-announcer").locator("[aria-live]")).toHaveText(/Library/);
  await shell.navLink("Servers").click();
  await expect(page.getByRole("heading", { level: 1, name: "Servers" })).toBeFocused();

  await shell.navLink("Library").click();
  const mine = page.getByRole("tab", { name: "My images" });
  const shared = page.getByRole("tab", { name: "Shared with everyone" });
  await mine.focus();
  await page.keyboard.press("ArrowRight");
  await expect(shared).toBeFocused();
  await expect(shared).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("tabpanel", { name: "Shared with everyone" })).toBeVisible();
  await page.keyboard.press("ArrowRight"); // wraps around
  await expect(mine).toBeFocused();
  await expect(mine).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("End");
  await expect(shared).toBeFocused();
  await page.keyboard.press("Home");
  await expect(mine).toBeFocused();
  // Only the selected tab is in the tab order.
  await expect(shared).toHaveAttribute("tabindex", "-1");
});

test("with desktop notifications turned on, a build that ends while the tab is in the background notifies", async ({ browser }) => {
  const context = await browser.newContext();
  await context.grantPermissions(["notifications"], { origin: hubUrl });
  // The tab is in the background, and notifications are recorded where the spec can read them.
  await context.addInitScript(() => {
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class RecordedNotification {
      static permission = "granted";
      static requestPermission = async () => "granted";
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body: string }) {
        shown.push({ title, body: options.body });
      }
      close() {}
    }
    Object.defineProperty(window, "Notification", { value: RecordedNotification });
    Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
  });
  const page = await context.newPage();
  await new KilnShell(page).signInThroughHub(alice);
  const api = await KilnApi.as(alice);
  const slow = await api.slowBuild("notify", 8);
  await page.goto(`builds/${slow.buildId}`);
  await page.getByLabel(/Desktop notification when it is done/).check();
  await expect(page.getByLabel(/Desktop notification when it is done/)).toBeChecked();
  await new BuildPage(page).expectPhase("Built");
  await expect.poll(() => page.evaluate(() => (window as unknown as { shownNotifications: { title: string }[] }).shownNotifications)).toEqual([
    { title: `Built: 127.0.0.1:${stackEnv().gitPort}/${slow.name}`, body: "The environment is ready to launch." },
  ]);
  await context.close();
});

test("the Hub's login page says it is the way into Kiln, and the Hub's pages link back to Kiln", async ({ page }) => {
  await page.goto("");
  await expect(page.locator("#kiln-login-intro")).toContainText("Sign in to use Kiln on this Hub.");
  await page.locator("#username_input").fill(alice);
  await page.locator("#password_input").fill(stackEnv().password);
  await page.locator("#login_submit").click();
  await expect(page.getByTestId("current-user")).toContainText(alice);

  // JupyterLab's Hub menu leads to the Hub's home page; from there (and every Hub page) Kiln is one click away.
  for (const hubPage of ["hub/home", "hub/token"]) {
    await page.goto(`${hubUrl}/${hubPage}`);
    await page.getByRole("link", { name: "Kiln", exact: true }).click();
    await expect(page.getByTestId("current-user")).toContainText(alice);
    await expect(page).toHaveURL(new RegExp(`^${hubUrl}/services/kiln/?$`));
  }
});

test("example repositories an admin lists appear on the Launch page and fill the form; none by default", async ({ page }) => {
  const shell = new KilnShell(page);
  await shell.signInThroughHub(alice);
  await expect(page.getByTestId("example-repositories")).toHaveCount(0);

  const repo = dockerRepo("example", "RUN true");
  const restore = await changePolicy(await KilnApi.as(admin), (policy) => ({ ...policy, exampleRepositories: [{ repository: repo.url, ref: "main" }] }));
  try {
    // The policy is cached for two seconds.
    const examples = page.getByTestId("example-repositories");
    await expect(async () => {
      await page.reload();
      await expect(examples).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await examples.getByRole("button", { name: `${repo.url} @ main` }).click({ timeout: 10_000 });
    const launch = new LaunchPage(page);
    await expect(launch.repository).toHaveValue(repo.url);
    await expect(launch.ref).toHaveValue("main");
    await expect(launch.hint).toContainText("Recognised: Git repository");
  } finally {
    await restore();
  }
});

test("a long library pages by twenty repositories, reads more from the server as it pages on, and a search starts again from its first page", async ({ page }) => {
  // A person of this test's own, with 121 repositories: recorded straight into Kiln's database,
  // since building them would only test the builder again. The page reads 50 entries at a time.
  const person = `${users[0]!.replace(/-alice$/, "")}-pager`;
  const count = 121;
  expect((await hubApi(`/users/${person}`, { method: "POST", body: JSON.stringify({}) })).status).toBe(201);
  try {
    await new KilnShell(page).signInThroughHub(person);
    const database = await stackDatabase();
    try {
      await database.query(
        `WITH person AS (SELECT id FROM users WHERE name = $1),
              made AS (
                INSERT INTO builds (provider, repo_url, spec, display_name, requested_ref, resolved_ref, image_name, builder_image, status, requested_by_id, finished_at, image_size_bytes)
                SELECT 'git', 'git://127.0.0.1:9/pager-' || i || '.git', 'git/pager-' || i || '/HEAD', 'pager-repo-' || lpad(i::text, 3, '0'), 'HEAD', md5(i::text) || left(md5(i::text), 8),
                       'kiln-pager-' || $1 || '-' || i || ':latest', 'unused', 'built', person.id, now() - (i || ' minutes')::interval, 1000000
                FROM generate_series(1, $2::int) AS i, person
                RETURNING id, requested_by_id, finished_at)
         INSERT INTO library_entries (build_id, user_id, created_at) SELECT id, requested_by_id, finished_at FROM made`,
        [person, count],
      );
    } finally {
      await database.end();
    }

    // The API pages by cursor: every entry once, newest first, whatever the page size.
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await page.request.get(`api/library?limit=8${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { entries: { displayName: string }[]; nextCursor: string | null };
      expect(body.entries.length).toBeLessThanOrEqual(8);
      names.push(...body.entries.map((entry) => entry.displayName));
      cursor = body.nextCursor;
    } while (cursor);
    expect(names).toEqual(Array.from({ length: count }, (_, i) => `pager-repo-${String(i + 1).padStart(3, "0")}`));
    for (const cursor of ["page-two", "1.99999999999", "1764000000000.9999999999"]) {
      const badCursor = await page.request.get(`api/library?cursor=${cursor}`);
      expect(badCursor.status(), cursor).toBe(400);
      expect(await badCursor.text()).toContain("Use the nextCursor of the page before.");
    }

    await page.goto("library");
    const repos = page.getByTestId("library-repo");
    await expect(repos).toHaveCount(20);
    const pages = page.getByRole("navigation", { name: "Library pages" });
    await expect(pages).toContainText("Page 1 of 3 or more · 50+ repositories");
    await expect(repos.first()).toContainText("pager-repo-001"); // newest first
    for (let next = 2; next <= 6; next += 1) await pages.getByRole("button", { name: "Next" }).click();
    await expect(pages).toContainText("Page 6 of 7 · 121 repositories");
    await expect(repos.first()).toContainText("pager-repo-101");
    await pages.getByRole("button", { name: "Next" }).click();
    await expect(repos).toHaveCount(1);
    await expect(repos.first()).toContainText("pager-repo-121");
    await expect(pages.getByRole("button", { name: "Next" })).toBeDisabled();
    await page.getByRole("searchbox", { name: "Search" }).fill("pager-repo-01");
    await expect(repos).toHaveCount(10); // 010 to 019
    await expect(page.getByRole("navigation", { name: "Library pages" })).toHaveCount(0);
  } finally {
    await hubApi(`/users/${person}`, { method: "DELETE" });
  }
});
