import { expect, test, type Page } from "@playwright/test";
import { AdminPage } from "./pages/admin-page";
import { BuildPage } from "./pages/build-page";
import { signedIn } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { LibraryPage } from "./pages/library-page";
import { changePolicy, KilnApi } from "./support/kiln-token-api";
import { repoWithFiles } from "./support/repos";
import { hubApi, hubUserToken, removeAllServers, runsAlone, stackDatabase, stackEnv } from "./support/stack";

// What a Hub admin needs before opening Kiln to a community: shared images reviewed and
// reported, moderators' actions explained to owners and reporters, approval mode, featured
// images, ban rules that hold everywhere, the dashboard, the clean-up, and the audit log.

const { hubUrl, users, admin, moderator } = stackEnv();
const [alice, bob, carol] = users as [string, string, string];
const gitHost = `127.0.0.1:${stackEnv().gitPort}`;

/** The bell's count, then its panel's texts. */
async function notificationTexts(page: Page): Promise<string> {
  await page.getByTestId("notification-bell").click();
  const panel = page.getByRole("region", { name: "Notifications" });
  await expect(panel).toBeVisible();
  // Read once they have loaded: "Nothing yet" is only said of a loaded, empty list.
  await expect(panel.getByTestId("notifications-loading")).toHaveCount(0);
  return (await panel.textContent()) ?? "";
}

test.afterAll(async () => {
  for (const user of [alice, bob]) await removeAllServers(user);
});

test("alice shares, bob reports, a moderator unshares with a reason; alice reads why and bob is told", async ({ browser }) => {
  test.setTimeout(240_000);
  const aliceApi = await KilnApi.as(alice);
  const image = await aliceApi.builtImage("reported");
  const name = `${gitHost}/${image.repo.name}`;
  const owner = await signedIn(browser, alice);
  const ownLibrary = new LibraryPage(owner.page);
  await ownLibrary.open();
  await ownLibrary.share(name);

  const reporter = await signedIn(browser, bob);
  const shared = new LibraryPage(reporter.page);
  await shared.open("Shared with everyone");
  const entry = shared.entry(name);
  await entry.getByText("Report", { exact: true }).click();
  await entry.getByRole("textbox", { name: /What is wrong with/ }).fill("It runs a cryptocurrency miner when launched.");
  await entry.getByRole("button", { name: "Send report" }).click();
  await expect(entry.getByRole("status")).toContainText("A moderator will look at it");

  const mod = await signedIn(browser, moderator);
  const adminPage = new AdminPage(mod.page);
  await adminPage.open("shared");
  await adminPage.showOnly("Reported");
  const card = adminPage.sharedImage(name);
  await expect(card.getByTestId("report")).toContainText("It runs a cryptocurrency miner when launched.");
  await expect(card.getByTestId("report")).toContainText(bob);
  await adminPage.act(name, "Unshare", "Mining breaks the Hub's acceptable use policy", /Unshared/);

  // Alice: the bell counts it, says why, and her library says it too.
  await owner.page.reload();
  await expect(owner.page.getByTestId("notification-count")).toHaveText(/^[1-9]/);
  expect(await notificationTexts(owner.page)).toContain("A moderator unshared");
  await expect(owner.page.getByRole("region", { name: "Notifications" })).toContainText("Mining breaks the Hub's acceptable use policy");
  await owner.page.keyboard.press("Escape");
  await ownLibrary.open();
  await expect(ownLibrary.entry(name).getByTestId("moderation-note")).toHaveText("Unshared by a moderator: Mining breaks the Hub's acceptable use policy");
  await expect(ownLibrary.entry(name)).toContainText("private");

  // Bob is told what was done about his report, and the image left the shared view.
  await reporter.page.reload();
  expect(await notificationTexts(reporter.page)).toMatch(/Your report about .*: a moderator unshared it\. Reason: Mining breaks/);
  await shared.open("Shared with everyone");
  await expect(shared.repository(name)).toHaveCount(0);

  // The audit log has all three, and the export carries them.
  await adminPage.open("audit");
  const log = mod.page.getByTestId("audit-log");
  await expect(log).toContainText("moderation.unshare");
  await expect(log).toContainText("Mining breaks the Hub's acceptable use policy");
  const events = await (await KilnApi.as(moderator)).auditExport({ q: image.repo.name });
  expect(events.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual(
    expect.arrayContaining([`${alice} build.request ok`, `${alice} entry.share ok`, `${bob} report.create ok`, `${moderator} moderation.unshare ok`]),
  );
  for (const context of [owner.context, reporter.context, mod.context]) await context.close();
});

test("approval mode holds a share until a moderator approves it; the owner sees it waiting", runsAlone, async ({ browser }) => {
  test.setTimeout(240_000);
  const adminApi = await KilnApi.as(admin);
  const carolApi = await KilnApi.as(carol);
  const [image, other] = await Promise.all([carolApi.builtImage("review"), carolApi.builtImage("no-review")]);
  const name = `${gitHost}/${image.repo.name}`;
  const restore = await changePolicy(adminApi, (p) => ({ ...p, approvalMode: true }));
  try {
    const owner = await signedIn(browser, carol);
    const library = new LibraryPage(owner.page);
    await library.open("My images", name);
    await library.entry(name).getByRole("button", { name: "Share with everyone" }).click();
    await expect(library.notice).toContainText("waiting for a moderator's review");
    await expect(library.entry(name)).toContainText("waiting for review");

    const bobApi = await KilnApi.as(bob);
    const sharedIds = async () => (await bobApi.ok<{ entries: { id: number }[] }>("GET", "library?view=shared")).entries.map((e) => e.id);
    expect(await sharedIds()).not.toContain(image.entryId);
    expect((await bobApi.call("POST", "launches", { entryId: image.entryId })).status).toBe(403);

    const mod = await signedIn(browser, moderator);
    const adminPage = new AdminPage(mod.page);
    await adminPage.open("shared");
    await adminPage.showOnly("Waiting for review");
    await adminPage.act(name, "Approve", "", /Approved/);
    expect(await sharedIds()).toContain(image.entryId);
    await library.open("My images", name);
    await expect(library.entry(name)).toContainText("shared");
    expect(await carolApi.notifications()).toContainEqual(expect.stringMatching(/was approved and is now shared with everyone/));
    const events = await (await KilnApi.as(moderator)).auditExport({ q: image.repo.name });
    expect(events.map((e) => `${e.actor} ${e.action} ${e.details.waitsForReview ?? ""}`.trim())).toEqual(expect.arrayContaining([`${carol} entry.share true`, `${moderator} moderation.approve`]));
    expect((await (await KilnApi.as(moderator)).auditExport({ action: "policy.update", actor: admin })).at(-1)?.details.changed).toEqual(["approvalMode"]);
    await owner.context.close();
    await mod.context.close();
  } finally {
    await restore();
  }
  // Approval mode off: a share is immediate again.
  expect((await carolApi.share(other.entryId)).visibility).toBe("shared");
});

test("featured images come first on the Launch page, with the moderator's description", async ({ browser }) => {
  test.setTimeout(240_000);
  const aliceApi = await KilnApi.as(alice);
  const image = await aliceApi.builtImage("featured");
  const name = `${gitHost}/${image.repo.name}`;
  await aliceApi.share(image.entryId);
  const mod = await signedIn(browser, moderator);
  const adminPage = new AdminPage(mod.page);
  await adminPage.open("shared");
  await adminPage.act(name, "Feature on the Launch page", "Python 3 with the course's packages: start here.", /Featured/);
  try {
    const newcomer = await signedIn(browser, carol);
    const featured = newcomer.page.getByTestId("featured-entry").filter({ hasText: name });
    await expect(featured).toContainText("Python 3 with the course's packages: start here.");
    await expect(featured.getByRole("button", { name: `Launch ${name}` })).toBeEnabled();
    await newcomer.context.close();
    expect(await aliceApi.notifications()).toContainEqual(expect.stringMatching(/featured .* on the Launch page/));
  } finally {
    // The demo accounts' Launch page shows no test image.
    await adminPage.act(name, "Stop featuring", "", /No longer featured/);
    await mod.context.close();
  }
  const events = await (await KilnApi.as(moderator)).auditExport({ q: image.repo.name });
  expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["moderation.feature", "moderation.unfeature"]));
  expect(events.find((e) => e.action === "moderation.feature")?.details.description).toBe("Python 3 with the course's packages: start here.");
});

test("a ban rule refuses the form, a launch link and a Hub API spawn of an image built before it", async ({ browser }) => {
  test.setTimeout(240_000);
  await removeAllServers(alice);
  const aliceApi = await KilnApi.as(alice);
  const image = await aliceApi.builtImage("banned");
  const pattern = `git/git://127\\.0\\.0\\.1:\\d+/${image.repo.name}\\.git/`;
  const reason = "This repository ships a password cracker";

  const mod = await signedIn(browser, moderator);
  const adminPage = new AdminPage(mod.page);
  await adminPage.open("bans");
  await mod.page.getByLabel("Kind").selectOption({ label: "Repository pattern" });
  await mod.page.getByLabel("Pattern").fill(pattern);
  await mod.page.getByLabel("Reason").fill(reason);
  // Tried before it is saved: the draft would refuse this repository, and nothing else does.
  await mod.page.getByLabel("Repository (as pasted on Launch)").fill(image.repo.url);
  await mod.page.getByRole("button", { name: "Test", exact: true }).click();
  await expect(mod.page.getByTestId("ban-test-result")).toContainText("The rule above refuses: build, share, run");
  await mod.page.getByLabel("Repository (as pasted on Launch)").fill(repoWithFiles("not-banned", {}).url);
  await mod.page.getByRole("button", { name: "Test", exact: true }).click();
  await expect(mod.page.getByTestId("ban-test-result")).toContainText("No rule refuses it.");
  await mod.page.getByRole("button", { name: "Save rule" }).click();
  await expect(mod.page.getByTestId("ban-rules")).toContainText(pattern);
  try {
    const owner = await signedIn(browser, alice);
    // The form.
    const form = new LaunchPage(owner.page);
    await form.open();
    await form.submit(image.repo.url);
    await expect(owner.page.getByRole("alert").filter({ hasText: "Kiln does not build" })).toContainText(`Kiln does not build ${gitHost}/${image.repo.name} on this Hub: ${reason}`);
    // A launch link.
    await owner.page.goto(`v2/git/${encodeURIComponent(image.repo.url)}/HEAD`);
    await expect(owner.page.getByTestId("link-error")).toContainText(reason);
    // The API, and a launch of the entry already in the library.
    const refused = await aliceApi.call("POST", "builds", { repository: image.repo.url });
    expect(refused.status).toBe(403);
    expect((refused.body as { detail: string }).detail).toContain(reason);
    expect((await aliceApi.call("POST", "launches", { entryId: image.entryId })).status).toBe(403);
    // The Hub's own API, with alice's own token, for the image she built before the ban.
    const { token } = await hubUserToken(alice);
    const direct = await fetch(`http://127.0.0.1:8081/hub/api/users/${alice}/servers/sneaky`, {
      method: "POST",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ image: image.image }),
    });
    expect(direct.status).toBeGreaterThanOrEqual(400);
    expect(await direct.text()).toMatch(/not in (the )?allowed list/);
    await owner.context.close();

    const events = await (await KilnApi.as(moderator)).auditExport({ q: image.repo.name });
    expect(events.filter((e) => e.action === "build.request" && e.outcome === "refused").length).toBeGreaterThanOrEqual(2);
    expect((await (await KilnApi.as(moderator)).auditExport({ action: "ban.create" })).map((e) => e.target)).toContain(`spec:${pattern}`);
  } finally {
    await adminPage.open("bans");
    mod.page.once("dialog", (dialog) => void dialog.accept());
    await mod.page.getByTestId("ban-rule").filter({ hasText: pattern }).getByRole("button", { name: "Remove" }).click();
    await expect(mod.page.getByTestId("ban-rules").getByText(pattern)).toHaveCount(0);
    await mod.context.close();
  }
  await removeAllServers(alice);
});

test("deleting a shared image lists the servers running it; the moderator stops them and the image goes", async ({ browser }) => {
  test.setTimeout(240_000);
  await removeAllServers(bob);
  const aliceApi = await KilnApi.as(alice);
  const image = await aliceApi.builtImage("deleted");
  const name = `${gitHost}/${image.repo.name}`;
  await aliceApi.share(image.entryId);
  const bobApi = await KilnApi.as(bob);
  const launched = await bobApi.ok<{ server: string }>("POST", "launches", { entryId: image.entryId });

  const mod = await signedIn(browser, moderator);
  const adminPage = new AdminPage(mod.page);
  await adminPage.open("shared");
  // Refused while bob's server runs it, naming the server.
  await adminPage.act(name, "Delete", "Contains leaked credentials", new RegExp(`${bob}/${launched.server}`));
  await mod.page.getByTestId("moderated-entry").filter({ hasText: name }).getByLabel("stop the servers running it").check();
  await adminPage.act(name, "Delete", "Contains leaked credentials", /Deleted\. The image was removed/);
  await mod.context.close();

  const servers = (await bobApi.ok<{ servers: { name: string; ready: boolean; pending: string | null }[] }>("GET", "servers")).servers;
  expect(servers.filter((s) => s.name === launched.server && (s.ready || s.pending))).toEqual([]);
  expect((await aliceApi.ok<{ entries: { id: number }[] }>("GET", "library")).entries.map((e) => e.id)).not.toContain(image.entryId);
  expect(await aliceApi.notifications()).toContainEqual(expect.stringMatching(/A moderator deleted .* Reason: Contains leaked credentials/));
  const events = await (await KilnApi.as(moderator)).auditExport({ q: image.repo.name });
  expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["launch", "moderation.stop_server", "moderation.delete"]));
  await removeAllServers(bob);
});

test("the dashboard shows a running build, and a moderator cancels it", async ({ browser }) => {
  test.setTimeout(180_000);
  const aliceApi = await KilnApi.as(alice);
  const slow = await aliceApi.slowBuild("dashboard", 120);
  const mod = await signedIn(browser, moderator);
  await new AdminPage(mod.page).open();
  const row = mod.page.getByTestId("queue-row").filter({ hasText: slow.name });
  await expect(row).toContainText(alice);
  await row.getByRole("button", { name: /Cancel the build/ }).click();
  await expect.poll(async () => (await aliceApi.ok<{ status: string }>("GET", `builds/${slow.buildId}`)).status, { timeout: 60_000 }).toBe("cancelled");
  await expect(row).toHaveCount(0, { timeout: 15_000 });
  expect((await (await KilnApi.as(moderator)).auditExport({ action: "build.cancel", actor: moderator })).map((e) => e.details.buildId)).toContain(slow.buildId);
  await mod.context.close();
});

test("the clean-up's dry run lists exactly the unused private images; running it lets the owner rebuild in one click", async ({ browser }) => {
  test.setTimeout(300_000);
  const aliceApi = await KilnApi.as(alice);
  // Two at a time: a person has at most two repository lookups under way.
  const [unused, sharedOld] = await Promise.all([aliceApi.builtImage("unused"), aliceApi.builtImage("shared-old")]);
  const recent = await aliceApi.builtImage("recent");
  await aliceApi.share(sharedOld.entryId);
  // Ten-plus years unused: no real image on the stack is that old, so the run touches only these.
  const database = await stackDatabase();
  try {
    for (const image of [unused, sharedOld]) {
      await database.query(`UPDATE builds SET created_at = now() - interval '4000 days', finished_at = now() - interval '4000 days' WHERE id = $1`, [image.buildId]);
      await database.query(`UPDATE library_entries SET created_at = now() - interval '4000 days', last_launched_at = NULL WHERE id = $1`, [image.entryId]);
    }
  } finally {
    await database.end();
  }
  const mod = await signedIn(browser, moderator);
  await new AdminPage(mod.page).open();
  await mod.page.getByLabel("Not launched for (days)").fill("3650");
  const preview = mod.page.getByTestId("cleanup-preview");
  await expect(preview.getByTestId("cleanup-candidate").filter({ hasText: unused.repo.name })).toHaveCount(1);
  await expect(preview.getByTestId("cleanup-candidate").filter({ hasText: sharedOld.repo.name })).toHaveCount(0);
  await expect(preview.getByTestId("cleanup-candidate").filter({ hasText: recent.repo.name })).toHaveCount(0);
  mod.page.once("dialog", (dialog) => void dialog.accept());
  await preview.getByRole("button", { name: "Remove these images now" }).click();
  await expect(mod.page.getByText(/Removed [1-9]\d* image/)).toBeVisible({ timeout: 60_000 });
  await mod.context.close();

  expect(await aliceApi.notifications()).toContainEqual(expect.stringContaining(`${unused.repo.name} @ HEAD was removed by the Hub's clean-up`));
  expect((await aliceApi.call("POST", "launches", { entryId: unused.entryId })).status).toBe(410);
  const owner = await signedIn(browser, alice);
  const library = new LibraryPage(owner.page);
  // Aged ten years, it is the oldest in the library: searched for, not paged to.
  await library.open("My images", unused.repo.name);
  const entry = library.entry(`${gitHost}/${unused.repo.name}`);
  await expect(entry).toContainText("cleaned up");
  await entry.getByRole("button", { name: "Rebuild" }).click();
  await owner.page.waitForURL(/\/builds\/[0-9a-f-]{36}$/);
  await new BuildPage(owner.page).expectPhase("Built");
  await library.open("My images", unused.repo.name);
  await expect(library.repository(`${gitHost}/${unused.repo.name}`).getByTestId("library-entry")).toHaveCount(1);
  await expect(library.entry(`${gitHost}/${unused.repo.name}`)).toContainText("built");
  await owner.context.close();
  expect((await (await KilnApi.as(moderator)).auditExport({ action: "cleanup.run", q: unused.repo.name })).length).toBe(1);
});

test("the database itself refuses to change or delete the audit log from Kiln's role", async () => {
  const database = await stackDatabase();
  try {
    // DROP too: Kiln's role owns the database, so schema public must not be its own (postgres.sh secure).
    for (const statement of ["UPDATE audit_events SET reason = 'rewritten'", "DELETE FROM audit_events", "TRUNCATE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER ALL", "DROP TABLE audit_events"]) {
      await expect(database.query(statement), statement).rejects.toMatchObject({ code: "42501" });
    }
    // Appending still works: that is all Kiln does.
    await database.query(`INSERT INTO audit_events (actor, action, outcome) VALUES ('e2e', 'launch', 'ok')`);
  } finally {
    await database.end();
  }
});

test("removing someone's moderator role in the Hub takes effect on their next action", async ({ browser }) => {
  test.setTimeout(120_000);
  const demoted = `${moderator}-2`;
  await hubApi("/users", { method: "POST", body: JSON.stringify({ usernames: [demoted] }) });
  await hubApi("/groups/kiln-moderators/users", { method: "POST", body: JSON.stringify({ users: [demoted] }) });
  try {
    const session = await signedIn(browser, demoted);
    const adminPage = new AdminPage(session.page);
    await adminPage.open("bans");
    const pattern = `gh/e2e-demoted-${Date.now()}/`;
    await session.page.getByLabel("Pattern").fill(pattern);
    await session.page.getByLabel("Reason").fill("testing a moderator's removal");
    await session.page.getByRole("button", { name: "Save rule" }).click();
    await expect(session.page.getByTestId("ban-rules")).toContainText(pattern);

    await hubApi(`/groups/kiln-moderators/users`, { method: "DELETE", body: JSON.stringify({ users: [demoted] }) });
    // Same page, same session, seconds later: the Hub is asked, and says no.
    session.page.once("dialog", (dialog) => void dialog.accept());
    await session.page.getByTestId("ban-rule").filter({ hasText: pattern }).getByRole("button", { name: "Remove" }).click();
    await expect(session.page.getByRole("alert").filter({ hasText: "permission" })).toContainText("the Hub no longer gives you the moderator role");
    // The next page load no longer shows the admin pages either.
    await session.page.goto("admin");
    await expect(session.page.getByRole("heading", { name: "You can’t moderate Kiln" })).toBeVisible();
    await session.context.close();
  } finally {
    const adminApi = await KilnApi.as(admin);
    const rules = (await adminApi.ok<{ rules: { id: number; pattern: string }[] }>("GET", "admin/bans")).rules;
    for (const rule of rules.filter((r) => r.pattern.startsWith("gh/e2e-demoted-"))) await adminApi.call("DELETE", `admin/bans/${rule.id}`);
    await hubApi(`/users/${demoted}`, { method: "DELETE" });
  }
});

test.describe("the Hub's own API", () => {
  test("a moderator's API token is checked with the Hub on every moderation call; an ordinary user's is refused", async () => {
    const bobApi = await KilnApi.as(bob);
    for (const path of ["admin/dashboard", "admin/shared", "admin/bans", "admin/policy", "admin/audit", "admin/cleanup"]) {
      expect((await bobApi.call("GET", path)).status, path).toBe(403);
    }
    expect((await fetch(`${hubUrl}/services/kiln/api/admin/dashboard`)).status).toBe(401);
    const modApi = await KilnApi.as(moderator);
    expect((await modApi.call("GET", "admin/dashboard")).status).toBe(200);
    // A token narrowed to Kiln access only does not carry the moderator scope: no moderation with it.
    const narrow = await hubUserToken(moderator, { scopes: ["access:services!service=kiln"] });
    const answer = await fetch(`${hubUrl}/services/kiln/api/admin/bans/test`, {
      method: "POST",
      headers: { authorization: `token ${narrow.token}`, "content-type": "application/json" },
      body: JSON.stringify({ repository: "https://github.com/a/b" }),
    });
    expect(answer.status).toBe(403);
  });
});
