import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMigratedDatabase, useTestEnvironment, type TempDatabase } from "@/test/temp-database";
import type { KilnUser } from "@/lib/auth/identity";

// Moderation, bans, quotas and the audit log against a real PostgreSQL (no engine or Hub
// needed: none of these paths touch them).

let database: TempDatabase;
let dbModule: typeof import("@/lib/db");
let library: typeof import("@/lib/library/server");
let moderation: typeof import("./server");
let bans: typeof import("@/lib/bans/server");
let policy: typeof import("@/lib/policy/server");
let audit: typeof import("@/lib/audit/server");
let quotas: typeof import("@/lib/quotas/server");
let defaults: typeof import("@/lib/policy/schema")["defaultPolicy"];

const person = (name: string, extra: Partial<KilnUser> = {}): KilnUser => ({ name, isAdmin: false, isModerator: false, groups: [], ...extra });
const alice = person("alice");
const bob = person("bob");
const moderator = person("mod", { isModerator: true });

beforeAll(async () => {
  database = await createMigratedDatabase();
  useTestEnvironment(database.url);
  dbModule = await import("@/lib/db");
  library = await import("@/lib/library/server");
  moderation = await import("./server");
  bans = await import("@/lib/bans/server");
  policy = await import("@/lib/policy/server");
  audit = await import("@/lib/audit/server");
  quotas = await import("@/lib/quotas/server");
  defaults = (await import("@/lib/policy/schema")).defaultPolicy;
}, 60_000);

afterAll(async () => {
  await dbModule?.disconnectAll?.();
  await database?.drop();
});

const db = () => dbModule.db();
let counter = 0;

/** A built image in `owner`'s library, as a finished build leaves it (asked for as gh/… or as a git URL). */
async function builtEntry(owner: string, repo = `org/repo-${++counter}`, sizeBytes = 1000, gitUrl?: string): Promise<number> {
  const user = await db().user.upsert({ where: { name: owner }, create: { name: owner }, update: {} });
  const build = await db().build.create({
    data: {
      provider: gitUrl ? "git" : "github",
      repoUrl: gitUrl ?? `https://github.com/${repo}`,
      spec: gitUrl ? `git/${encodeURIComponent(gitUrl)}/main` : `gh/${repo}/main`,
      displayName: repo,
      requestedRef: "main",
      resolvedRef: "a".repeat(40),
      imageName: `kiln-test-${counter}:${"a".repeat(40)}`,
      builderImage: "unused",
      status: "built",
      finishedAt: new Date(),
      imageSizeBytes: BigInt(sizeBytes),
      requestedById: user.id,
    },
  });
  const entry = await db().libraryEntry.create({ data: { buildId: build.id, userId: user.id } });
  return entry.id;
}

const notificationsOf = async (name: string) => (await db().notification.findMany({ where: { user: { name } }, orderBy: { id: "asc" } })).map((n) => n.text);

beforeEach(async () => {
  await policy.savePolicy("test", defaults, null);
  await db().banRule.deleteMany();
  bans.forgetBanRules();
});

describe("quotas", () => {
  it("let only one of two racing shares pass a limit of one, and the refusal names the limit and the use", async () => {
    await policy.savePolicy("test", { ...defaults, quotas: { ...defaults.quotas, defaults: { ...defaults.quotas.defaults, sharedImages: 1 } } }, "test");
    const racer = person(`racer-${++counter}`);
    const [a, b] = [await builtEntry(racer.name), await builtEntry(racer.name)];
    const results = await Promise.allSettled([library.setVisibility(a, racer, "shared"), library.setVisibility(b, racer, "shared")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ status: 429, code: "quota_exceeded", details: { limit: "sharedImages", max: 1, used: 1 } });
    expect(refused.reason.userMessage).toMatch(/limit of 1 images shared with everyone: you have 1\. Make one of your shared images private/);
    expect(await db().libraryEntry.count({ where: { user: { name: racer.name }, visibility: "shared" } })).toBe(1);
    // The refusal is in the audit log, though the share rolled back.
    expect(await db().auditEvent.count({ where: { actor: racer.name, action: "entry.share", outcome: "refused" } })).toBe(1);
  });

  it("take a Hub group's limits over the defaults, the most generous group winning", () => {
    const p = { ...defaults, quotas: { defaults: { ...defaults.quotas.defaults, concurrentBuilds: 3 }, groups: { students: { concurrentBuilds: 1 }, staff: { concurrentBuilds: 5 }, unlimited: { concurrentBuilds: null } } } };
    expect(quotas.limitsFor({ groups: [] }, p).limits.concurrentBuilds).toBe(3);
    expect(quotas.limitsFor({ groups: ["students"] }, p)).toMatchObject({ limits: { concurrentBuilds: 1 }, from: { concurrentBuilds: "students" } });
    expect(quotas.limitsFor({ groups: ["students", "staff"] }, p).limits.concurrentBuilds).toBe(5);
    expect(quotas.limitsFor({ groups: ["staff", "unlimited"] }, p).limits.concurrentBuilds).toBeNull();
    // A limit the group does not name stays the default.
    expect(quotas.limitsFor({ groups: ["students"] }, p).limits.buildsPerHour).toBe(defaults.quotas.defaults.buildsPerHour);
  });

  it("count as a person's storage only images nobody else has", async () => {
    const owner = `storage-${++counter}`;
    const alone = await builtEntry(owner, `org/alone-${counter}`, 5000);
    const sharedBuild = (await db().libraryEntry.findUniqueOrThrow({ where: { id: await builtEntry(owner, `org/both-${counter}`, 7000) } })).buildId;
    const other = await db().user.upsert({ where: { name: "someone-else" }, create: { name: "someone-else" }, update: {} });
    await db().libraryEntry.create({ data: { buildId: sharedBuild, userId: other.id } });
    const ownerId = (await db().user.findUniqueOrThrow({ where: { name: owner } })).id;
    expect(await quotas.bytesOwnedAlone(db(), ownerId)).toBe(5000);
    expect(alone).toBeGreaterThan(0);
  });
});

describe("approval mode, reports and moderators' actions", () => {
  it("holds a share for review, keeps it from others until approved, and tells the owner", async () => {
    await policy.savePolicy("test", { ...defaults, approvalMode: true }, "test");
    const entry = await builtEntry(alice.name);
    expect((await library.setVisibility(entry, alice, "shared")).visibility).toBe("pending");
    const image = (await db().libraryEntry.findUniqueOrThrow({ where: { id: entry }, include: { build: true } })).build.imageName;
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).not.toContain(entry);
    expect(await library.allowedImages(bob.name)).not.toContain(image);
    await expect(library.launchableEntry(entry, bob)).rejects.toMatchObject({ status: 403 });

    await moderation.moderateEntry(moderator, entry, { action: "approve" });
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).toContain(entry);
    expect(await library.allowedImages(bob.name)).toContain(image);
    expect((await notificationsOf(alice.name)).at(-1)).toMatch(/was approved and is now shared/);
  });

  it("answers a report: the moderator unshares with a reason, the owner and the reporter are told", async () => {
    const entry = await builtEntry(alice.name);
    await library.setVisibility(entry, alice, "shared");
    await moderation.reportEntry(bob, entry, "It mines cryptocurrency in a cell.");
    await expect(moderation.reportEntry(bob, entry, "Again")).rejects.toMatchObject({ code: "already_reported" });
    await expect(moderation.reportEntry(alice, entry, "my own")).rejects.toMatchObject({ code: "own_entry" });
    const listed = (await moderation.listModerated({ filter: "reported" })).find((e) => e.entryId === entry);
    expect(listed?.reports.map((r) => [r.reporter, r.reason])).toEqual([["bob", "It mines cryptocurrency in a cell."]]);

    await moderation.moderateEntry(moderator, entry, { action: "unshare", reason: "Mining is against the Hub's rules" });
    const view = (await library.listLibrary(alice, { view: "mine" })).entries.find((e) => e.id === entry);
    expect(view).toMatchObject({ visibility: "private", moderationNote: "Unshared by a moderator: Mining is against the Hub's rules" });
    expect((await notificationsOf(alice.name)).at(-1)).toMatch(/A moderator unshared .* Reason: Mining is against the Hub's rules/);
    expect((await notificationsOf(bob.name)).at(-1)).toMatch(/Your report about .*: a moderator unshared it\. Reason: Mining/);
    expect(await db().report.count({ where: { entryId: entry, resolvedAt: null } })).toBe(0);
    const actions = (await db().auditEvent.findMany({ where: { details: { path: ["entryId"], equals: entry } }, orderBy: { id: "asc" } })).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(["alice entry.share", "bob report.create", "mod moderation.unshare"]);
  });

  it("hides an image from everyone but its owner, who can still launch it", async () => {
    const entry = await builtEntry(alice.name);
    await library.setVisibility(entry, alice, "shared");
    await moderation.moderateEntry(moderator, entry, { action: "hide", reason: "Under review" });
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).not.toContain(entry);
    await expect(library.launchableEntry(entry, bob)).rejects.toMatchObject({ status: 403 });
    await expect(library.launchableEntry(entry, alice)).resolves.toMatchObject({ id: entry });
  });

  it("keeps a moderator's hide when the owner shares again, and sends an unshared image back to review", async () => {
    const hidden = await builtEntry(alice.name);
    await library.setVisibility(hidden, alice, "shared");
    await moderation.moderateEntry(moderator, hidden, { action: "hide", reason: "Misleading name" });
    await library.setVisibility(hidden, alice, "private");
    await library.setVisibility(hidden, alice, "shared");
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).not.toContain(hidden);

    const unshared = await builtEntry(alice.name);
    await library.setVisibility(unshared, alice, "shared");
    await moderation.moderateEntry(moderator, unshared, { action: "unshare", reason: "Broken on purpose" });
    expect((await library.setVisibility(unshared, alice, "shared")).visibility).toBe("pending");
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).not.toContain(unshared);
    // Others never read what a moderator wrote to the owner.
    await moderation.moderateEntry(moderator, unshared, { action: "approve" });
    expect((await library.listLibrary(bob, { view: "shared" })).entries.find((e) => e.id === hidden)).toBeUndefined();
    expect((await library.listLibrary(bob, { view: "shared" })).entries.find((e) => e.id === unshared)?.moderationNote).toBeNull();
  });

  it("refuses to act on an entry that is not shared, or was withdrawn meanwhile", async () => {
    const entry = await builtEntry(alice.name);
    await expect(moderation.moderateEntry(moderator, entry, { action: "hide", reason: "x x x" })).rejects.toMatchObject({ status: 409 });
    await expect(moderation.moderateEntry(moderator, entry, { action: "delete", reason: "x x x", stopServers: false })).rejects.toMatchObject({ status: 409 });
    await policy.savePolicy("test", { ...defaults, approvalMode: true }, "test");
    await library.setVisibility(entry, alice, "shared");
    await library.setVisibility(entry, alice, "private");
    await expect(moderation.moderateEntry(moderator, entry, { action: "approve" })).rejects.toMatchObject({ status: 409 });
    expect((await library.listLibrary(alice, { view: "mine" })).entries.find((e) => e.id === entry)?.visibility).toBe("private");
  });

  it("features shared images on the Launch page, and drops them when they stop being shared", async () => {
    const entry = await builtEntry(alice.name);
    await library.setVisibility(entry, alice, "shared");
    await moderation.moderateEntry(moderator, entry, { action: "feature", description: "A known-good Python environment" });
    expect((await moderation.featuredEntries()).find((f) => f.entryId === entry)?.description).toBe("A known-good Python environment");
    await library.setVisibility(entry, alice, "private");
    expect((await moderation.featuredEntries()).map((f) => f.entryId)).not.toContain(entry);
  });
});

describe("bans", () => {
  it("take a banned repository out of the Hub's allowed images (its owner's too), the shared view and launches", async () => {
    const entry = await builtEntry(alice.name, `banned-org/thing-${++counter}`);
    await library.setVisibility(entry, alice, "shared");
    const image = (await db().libraryEntry.findUniqueOrThrow({ where: { id: entry }, include: { build: true } })).build.imageName;
    expect(await library.allowedImages(alice.name)).toContain(image);
    await bans.createBanRule("mod", { kind: "spec", pattern: "gh/banned-org/", reason: "Malware found in this organisation" });
    expect(await library.allowedImages(alice.name)).not.toContain(image);
    expect(await library.allowedImages(bob.name)).not.toContain(image);
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).not.toContain(entry);
    await expect(library.launchableEntry(entry, alice)).rejects.toMatchObject({ status: 403, code: "banned", userMessage: expect.stringMatching(/Malware found in this organisation/) });
  });

  it("ban a repository from a moderator's action however else it is spelt, and tell its owner", async () => {
    const repo = `Spelt-Org/thing-${++counter}`;
    const entry = await builtEntry(alice.name, repo);
    await library.setVisibility(entry, alice, "shared");
    const other = await builtEntry(bob.name, `${repo}-as-git`, 1000, `git://www.github.com/${repo.toLowerCase()}.git`);
    const otherImage = (await db().libraryEntry.findUniqueOrThrow({ where: { id: other }, include: { build: true } })).build.imageName;
    expect(await library.allowedImages(bob.name)).toContain(otherImage);
    const { message } = await moderation.moderateEntry(moderator, entry, { action: "ban", reason: "Ships a keylogger" });
    expect(message).toContain(`repo:github\\.com/${repo.toLowerCase().replaceAll("-", "\\x2d")}$`);
    expect(await library.allowedImages(bob.name)).not.toContain(otherImage);
    await expect(library.launchableEntry(other, bob)).rejects.toMatchObject({ code: "banned" });
    expect((await notificationsOf(alice.name)).at(-1)).toMatch(/banned the repository of .*Ships a keylogger/);
    expect(await db().auditEvent.count({ where: { action: "moderation.ban", details: { path: ["entryId"], equals: entry } } })).toBe(1);
  });

  it("keep a person banned from sharing from sharing, with the reason", async () => {
    const sharer = person(`no-share-${++counter}`);
    const entry = await builtEntry(sharer.name);
    await bans.createBanRule("mod", { kind: "user_share", pattern: sharer.name, reason: "Shared spam twice" });
    await expect(library.setVisibility(entry, sharer, "shared")).rejects.toMatchObject({ status: 403, userMessage: expect.stringMatching(/You may not share images on this Hub: Shared spam twice/) });
  });

  it("refuse a pattern RE2 cannot run, saying why, and save nothing", async () => {
    await expect(bans.createBanRule("mod", { kind: "spec", pattern: "gh/(x)\\1", reason: "test" })).rejects.toMatchObject({ status: 400, userMessage: expect.stringMatching(/Backreferences/) });
    expect(await db().banRule.count()).toBe(0);
  });
});

describe("the audit log", () => {
  it("refuses UPDATE, DELETE and TRUNCATE, even from the role that owns the table", async () => {
    await audit.audit(db(), { actor: "someone", action: "launch", target: "x" });
    await expect(db().$executeRaw`UPDATE audit_events SET actor = 'nobody'`).rejects.toThrow(/append-only/);
    await expect(db().$executeRaw`DELETE FROM audit_events`).rejects.toThrow(/append-only/);
    await expect(db().$executeRaw`TRUNCATE audit_events`).rejects.toThrow(/append-only/);
    expect(await db().auditEvent.count({ where: { actor: "someone" } })).toBe(1);
  });

  it("forgets only events older than the retention, through the prune function", async () => {
    await db().$executeRaw`INSERT INTO audit_events (actor, action, outcome, at) VALUES ('old', 'launch', 'ok', now() - interval '40 days')`;
    await audit.audit(db(), { actor: "recent", action: "launch" });
    // Asking for a day keeps 30: recent history cannot be erased by lowering the retention.
    await db().$executeRaw`INSERT INTO audit_events (actor, action, outcome, at) VALUES ('week-old', 'launch', 'ok', now() - interval '7 days')`;
    expect(await audit.pruneAudit(1)).toBeGreaterThanOrEqual(1);
    expect(await db().auditEvent.count({ where: { actor: "week-old" } })).toBe(1);
    expect(await db().auditEvent.count({ where: { actor: "old" } })).toBe(0);
    expect(await db().auditEvent.count({ where: { actor: "recent" } })).toBe(1);
    expect(await db().auditEvent.count({ where: { action: "audit.prune" } })).toBe(1);
  });

  it("exports CSV a spreadsheet cannot run as formulas, and JSON lines", async () => {
    await audit.audit(db(), { actor: "csv-test", action: "report.create", target: "=HYPERLINK(\"http://evil\")", reason: "+1, \"quoted\"\nnew line" });
    const text = async (format: "csv" | "jsonl") => new Response(audit.exportAudit({ actor: "csv-test" }, format)).text();
    const csv = await text("csv");
    expect(csv.split("\n")[0]).toBe("id,at,actor,action,target,outcome,reason,details");
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain(`"'+1, ""quoted""\nnew line"`);
    const lines = (await text("jsonl")).trim().split("\n").map((line) => JSON.parse(line) as { target: string });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.target).toBe("=HYPERLINK(\"http://evil\")");
  });
});

describe("reports left as they are, and the bell", () => {
  it("tells the reporter why a report was dismissed, and marks notifications read", async () => {
    const entry = await builtEntry(alice.name);
    await library.setVisibility(entry, alice, "shared");
    const reporter = person(`reporter-${++counter}`);
    await moderation.reportEntry(reporter, entry, "I think the notebook is broken.");
    const report = await db().report.findFirstOrThrow({ where: { entryId: entry, reporter: { name: reporter.name } } });
    await moderation.dismissReport(moderator, report.id, "Broken notebooks are the owner's business");
    await expect(moderation.dismissReport(moderator, report.id, "twice")).rejects.toMatchObject({ status: 404 });
    const notifications = await import("@/lib/notifications/server");
    const before = await notifications.listNotifications(reporter);
    expect(before.unread).toBe(1);
    expect(before.notifications[0]?.text).toMatch(/left it as it is\. Reason: Broken notebooks are the owner's business/);
    await notifications.markRead(reporter, "all");
    expect((await notifications.listNotifications(reporter)).unread).toBe(0);
    // The image stays shared: dismissing changes nothing but the report.
    expect((await library.listLibrary(bob, { view: "shared" })).entries.map((e) => e.id)).toContain(entry);
  });
});

describe("the library's pages", () => {
  it("walk every shared entry once, newest first, ties broken by id, leaving a banned organisation's out without ending early", async () => {
    const pager = person(`pager-${++counter}`);
    const added = new Date("2026-01-01T00:00:00Z");
    const ids: number[] = [];
    for (let index = 0; index < 30; index += 1) {
      // Three orgs, ten images each; every pair added in the same millisecond.
      const id = await builtEntry(pager.name, `pager-org-${index % 3}/repo-${index}`);
      await db().libraryEntry.update({ where: { id }, data: { visibility: "shared", createdAt: new Date(added.getTime() + Math.floor(index / 2)) } });
      ids.push(id);
    }
    await bans.createBanRule("mod", { kind: "spec", pattern: "gh/pager-org-1/", reason: "Spam" });
    const walked: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await library.listLibrary(bob, { view: "shared", limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.entries.length).toBeLessThanOrEqual(7);
      walked.push(...page.entries.filter((entry) => entry.owner === pager.name).map((entry) => entry.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 50);
    const expected = ids
      .map((id, index) => ({ id, index }))
      .filter(({ index }) => index % 3 !== 1)
      .sort((a, b) => Math.floor(b.index / 2) - Math.floor(a.index / 2) || b.id - a.id)
      .map(({ id }) => id);
    expect(walked).toEqual(expected);
    // Its owner still sees all thirty, banned ones included, in pages of the size asked for.
    const mine = await library.listLibrary(pager, { view: "mine", limit: 30 });
    expect(mine.entries).toHaveLength(30);
    expect(mine.nextCursor).toBeNull();
    const first = await library.listLibrary(pager, { view: "mine", limit: 29 });
    expect(first.nextCursor).not.toBeNull();
    expect((await library.listLibrary(pager, { view: "mine", limit: 29, cursor: first.nextCursor! })).entries.map((entry) => entry.id)).toEqual([ids[0]]);
  });
});
