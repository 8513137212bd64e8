import "server-only";
import escapeStringRegexp from "escape-string-regexp";
import type { KilnUser } from "@/lib/auth/identity";
import { audit } from "@/lib/audit/server";
import { repositoryKey } from "@/lib/bans/rules";
import { assertNotBanned, bannedBuildIds, buildSubject, createBanRule, forgetBanRules } from "@/lib/bans/server";
import { providerHosts } from "@/lib/builds/settings";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { activeServersWithImage, stopServer } from "@/lib/hub/client";
import { AppError, unavailable } from "@/lib/http/errors";
import { removeEntry } from "@/lib/library/server";
import { notify } from "@/lib/notifications/server";
import type { FeaturedEntry, ModeratedEntry, ModerationAction, ModerationQuery } from "./schema";

type Tx = Prisma.TransactionClient;

const moderatedInclude = {
  build: true,
  user: { select: { name: true } },
  reports: { where: { resolvedAt: null }, include: { reporter: { select: { name: true } } }, orderBy: { createdAt: "asc" } },
} satisfies Prisma.LibraryEntryInclude;
type ModeratedRow = Prisma.LibraryEntryGetPayload<{ include: typeof moderatedInclude }>;

const FILTERS: Record<ModerationQuery["filter"], Prisma.LibraryEntryWhereInput> = {
  all: {},
  pending: { visibility: "pending" },
  reported: { reports: { some: { resolvedAt: null } } },
  hidden: { hiddenAt: { not: null } },
  featured: { featuredAt: { not: null } },
};

/** Every shared (or waiting) image, reported and waiting ones first. */
export async function listModerated(query: ModerationQuery): Promise<ModeratedEntry[]> {
  const where: Prisma.LibraryEntryWhereInput = {
    visibility: { in: ["shared", "pending"] },
    ...FILTERS[query.filter],
    ...(query.q
      ? { OR: [{ build: { displayName: { contains: query.q, mode: "insensitive" } } }, { build: { repoUrl: { contains: query.q, mode: "insensitive" } } }, { user: { name: { contains: query.q, mode: "insensitive" } } }] }
      : {}),
  };
  const rows = await db().libraryEntry.findMany({ where, include: moderatedInclude, orderBy: [{ sharedAt: { sort: "desc", nulls: "last" } }, { id: "desc" }], take: 500 });
  const banned = await bannedBuildIds(rows.map((row) => row.build));
  const views = rows.map((row) => toModerated(row, banned.has(row.buildId)));
  const weight = (e: ModeratedEntry) => (e.reports.length ? 0 : e.visibility === "pending" ? 1 : 2);
  return views.sort((a, b) => weight(a) - weight(b));
}

function toModerated(row: ModeratedRow, banned: boolean): ModeratedEntry {
  const b = row.build;
  return {
    entryId: row.id,
    buildId: b.id,
    provider: b.provider,
    displayName: b.displayName,
    spec: b.spec,
    requestedRef: b.requestedRef,
    resolvedRef: b.resolvedRef,
    imageName: b.imageName,
    owner: row.user.name,
    sizeBytes: b.imageSizeBytes === null ? null : Number(b.imageSizeBytes),
    launchCount: row.launchCount,
    visibility: row.visibility === "pending" ? "pending" : "shared",
    sharedAt: row.sharedAt?.toISOString() ?? null,
    hidden: row.hiddenAt !== null,
    featured: row.featuredAt !== null,
    featuredDescription: row.featuredDescription,
    banned,
    moderationNote: row.moderationNote,
    reports: row.reports.map((r) => ({ id: r.id, reporter: r.reporter.name, reason: r.reason, createdAt: r.createdAt.toISOString() })),
  };
}

const versionName = (row: { build: { displayName: string; requestedRef: string } }) => `${row.build.displayName} @ ${row.build.requestedRef}`;

/** Closes the entry's open reports and tells each reporter what was done. */
async function resolveReports(tx: Tx, entryId: number, moderator: string, resolution: string): Promise<number> {
  const open = await tx.report.findMany({ where: { entryId, resolvedAt: null }, select: { id: true, reporterId: true, subject: true } });
  for (const report of open) {
    await tx.report.update({ where: { id: report.id }, data: { resolvedAt: new Date(), resolvedBy: moderator, resolution } });
    await notify(tx, report.reporterId, `Your report about ${report.subject}: ${resolution}`, "/library?view=shared");
  }
  return open.length;
}

/**
 * The pattern that bans a build's repository however it is spelt and at every version: its
 * repository key for code hosts (gh/…, a git URL of any scheme), every version of a Figshare
 * article, and the record itself for the other DOI providers (whose versions are records).
 */
export function repositoryPattern(build: { spec: string; provider: string; repoUrl: string }): string {
  if (["github", "gitlab", "gist", "git"].includes(build.provider)) {
    const key = repositoryKey(build.repoUrl, providerHosts().gist);
    if (key) return `${escapeStringRegexp(key)}$`;
    return escapeStringRegexp(build.spec.slice(0, build.spec.lastIndexOf("/") + 1));
  }
  if (build.provider === "figshare") return `${escapeStringRegexp(build.spec.replace(/\.v\d+$/, ""))}(?:\\.v\\d+)?$`;
  return `${escapeStringRegexp(build.spec)}$`;
}

/** The entry as a moderator acts on it, read again under its row lock inside `tx`. */
async function lockedEntry(tx: Tx, entryId: number) {
  await tx.$executeRaw`SELECT 1 FROM library_entries WHERE id = ${entryId} FOR UPDATE`;
  const row = await tx.libraryEntry.findUnique({ where: { id: entryId }, include: { build: true, user: { select: { name: true } } } });
  if (!row) throw new AppError("entry_not_found", 404, "That image is not in anyone's library any more.");
  // Moderators act on what is shared or waiting for review; private entries are their owners' own.
  if (row.visibility === "private") throw new AppError("not_shared", 409, "This image is not shared (any more); there is nothing to moderate.");
  return row;
}

/**
 * One moderator action on a shared entry, with the reason its owner reads. The entry is read
 * under its row lock, so an owner's change meanwhile (withdrawing a share) is never overwritten;
 * the change, the owner's notification, the reporters' answers and the audit event commit together.
 */
export async function moderateEntry(moderator: KilnUser, entryId: number, action: ModerationAction): Promise<{ message: string }> {
  if (action.action === "delete") return moderatorDelete(moderator, entryId, action.reason, action.stopServers);
  const reason = "reason" in action ? (action.reason ?? null) : null;
  const because = reason ? ` Reason: ${reason}` : "";
  const libraryLink = "/library";
  const result = await db().$transaction(async (tx) => {
    const row = await lockedEntry(tx, entryId);
    const name = versionName(row);
    const record = (details: Record<string, unknown> = {}) =>
      audit(tx, { actor: moderator.name, action: `moderation.${action.action}`, target: `${name} (${row.user.name}'s entry ${row.id})`, reason, details: { entryId: row.id, image: row.build.imageName, owner: row.user.name, ...details } });

    if (action.action === "ban") {
      const pattern = repositoryPattern(row.build);
      await createBanRule(moderator.name, { kind: "spec", pattern, reason: action.reason }, tx);
      await tx.libraryEntry.update({
        where: { id: row.id },
        data: { visibility: "private", sharedAt: null, reviewRequired: true, moderationNote: `Its repository was banned: ${action.reason}`, moderatedAt: new Date(), featuredAt: null, featuredDescription: null },
      });
      await notify(tx, row.userId, `A moderator banned the repository of ${name}: it can no longer be built, shared or launched on this Hub.${because}`, libraryLink);
      await resolveReports(tx, row.id, moderator.name, `a moderator banned its repository.${because}`);
      await record({ pattern });
      return { message: `Banned ${pattern}: nobody can build, share or launch it now.` };
    }

    const now = new Date();
    const steps: Record<Exclude<ModerationAction["action"], "delete" | "ban">, { data: Prisma.LibraryEntryUpdateInput; owner: string; reporters: string | null; message: string }> = {
      approve: { data: { visibility: "shared", sharedAt: now, reviewRequired: false, moderationNote: null }, owner: `${name} was approved and is now shared with everyone.`, reporters: null, message: "Approved: everyone can see and launch it." },
      reject: { data: { visibility: "private", sharedAt: null, reviewRequired: true, moderationNote: `Not approved for sharing: ${reason}`, moderatedAt: now }, owner: `A moderator did not approve sharing ${name}.${because}`, reporters: null, message: "Not approved: it stays private to its owner." },
      unshare: { data: { visibility: "private", sharedAt: null, reviewRequired: true, featuredAt: null, featuredDescription: null, moderationNote: `Unshared by a moderator: ${reason}`, moderatedAt: now }, owner: `A moderator unshared ${name}.${because}`, reporters: `a moderator unshared it.${because}`, message: "Unshared: only its owner sees it now." },
      hide: { data: { hiddenAt: now, featuredAt: null, featuredDescription: null, moderationNote: `Hidden from the shared view by a moderator: ${reason}`, moderatedAt: now }, owner: `A moderator hid ${name} from “Shared with everyone”; you can still launch it.${because}`, reporters: `a moderator hid it from the shared view.${because}`, message: "Hidden: its owner can still launch it; nobody else sees it." },
      unhide: { data: { hiddenAt: null, moderationNote: null, moderatedAt: now }, owner: `${name} is visible in “Shared with everyone” again.`, reporters: null, message: "Visible in the shared view again." },
      feature: { data: { featuredAt: now, featuredDescription: "description" in action ? action.description : null }, owner: `A moderator featured ${name} on the Launch page.`, reporters: null, message: "Featured on the Launch page." },
      unfeature: { data: { featuredAt: null, featuredDescription: null }, owner: `${name} is no longer featured on the Launch page.`, reporters: null, message: "No longer featured." },
    };
    const step = steps[action.action];
    if (action.action === "approve") {
      if (row.visibility !== "pending") throw new AppError("not_pending", 409, `${name} is not waiting for review.`);
      // A ban made while it waited still holds.
      await assertNotBanned(buildSubject(row.build, row.user.name), "share", row.build.displayName);
    }
    if (action.action === "feature" && (row.visibility !== "shared" || row.hiddenAt)) throw new AppError("not_featurable", 409, "Only images shared with everyone (approved, not hidden) can be featured.");
    await tx.libraryEntry.update({ where: { id: row.id }, data: step.data });
    if (row.user.name !== moderator.name) await notify(tx, row.userId, step.owner, libraryLink);
    if (step.reporters) await resolveReports(tx, row.id, moderator.name, step.reporters);
    await record(action.action === "feature" ? { description: action.description } : {});
    return { message: step.message };
  });
  // A ban committed: no process keeps the rules it cached before it.
  if (action.action === "ban") forgetBanRules();
  return result;
}

/**
 * Removes a shared entry. When other libraries keep the image, only the entry goes and no server
 * is touched. When the image goes too, the servers running it are listed (and the delete refused)
 * unless the moderator asked to stop them; their owners are told why.
 */
async function moderatorDelete(moderator: KilnUser, entryId: number, reason: string, stopServers: boolean): Promise<{ message: string }> {
  const row = await db().libraryEntry.findUnique({ where: { id: entryId }, include: { build: true, user: { select: { name: true } } } });
  if (!row || row.visibility === "private") throw new AppError("not_shared", 409, "This image is not shared (any more); there is nothing to moderate.");
  const name = versionName(row);
  const others = await db().libraryEntry.count({ where: { buildId: row.buildId, id: { not: row.id }, cleanedAt: null } });
  let servers: { user: string; server: string }[] = [];
  if (others === 0) {
    try {
      servers = await activeServersWithImage(row.build.imageName);
    } catch (error) {
      throw unavailable("hub", "JupyterHub is not answering, so Kiln cannot tell whether a server uses this image. Try again in a minute.", error);
    }
  }
  if (servers.length && !stopServers) {
    throw new AppError("image_in_use", 409, `${servers.length} server${servers.length === 1 ? " runs" : "s run"} this image: ${servers.map((s) => `${s.user}/${s.server}`).join(", ")}. Stop them (tick “stop the servers running it”) or wait, then delete.`, {
      details: { servers },
    });
  }
  for (const server of servers) {
    await stopServer(server.user, server.server).catch((error: unknown) => {
      throw unavailable("hub", `JupyterHub did not stop ${server.user}/${server.server}, so nothing was deleted. Try again.`, error);
    });
    await db().$transaction(async (tx) => {
      const owner = await tx.user.findUnique({ where: { name: server.user }, select: { id: true } });
      if (owner) await notify(tx, owner.id, `A moderator stopped your server ${server.server}: its image (${name}) was deleted. Your home folder is kept. Reason: ${reason}`, "/servers");
      await audit(tx, { actor: moderator.name, action: "moderation.stop_server", target: `${server.user}/${server.server}`, reason, details: { image: row.build.imageName, entryId: row.id } });
    });
  }
  const result = await removeEntry(row.id, { waitForContainersMs: servers.length ? 60_000 : 0 }, async (tx) => {
    await resolveReports(tx, row.id, moderator.name, `a moderator deleted it. Reason: ${reason}`);
    await notify(tx, row.userId, `A moderator deleted ${name} from your library. Reason: ${reason}`, "/library");
    await audit(tx, { actor: moderator.name, action: "moderation.delete", target: `${name} (${row.user.name}'s entry ${row.id})`, reason, details: { entryId: row.id, image: row.build.imageName, owner: row.user.name, stoppedServers: servers } });
  });
  return { message: `Deleted. ${result.imageRemoved ? "The image was removed from the engine." : "The image stays: other libraries use it."}` };
}

/** A person reports a shared image they can see; moderators find it at the top of their view. */
export async function reportEntry(reporter: KilnUser, entryId: number, reason: string): Promise<{ message: string }> {
  const row = await db().libraryEntry.findUnique({ where: { id: entryId }, include: { build: true, user: { select: { name: true } } } });
  if (!row || (row.user.name !== reporter.name && (row.visibility !== "shared" || row.hiddenAt))) {
    throw new AppError("entry_not_found", 404, "That image is not shared any more, so there is nothing to report.");
  }
  if (row.user.name === reporter.name) throw new AppError("own_entry", 409, "This is your own image: make it private or delete it instead of reporting it.");
  const subject = versionName(row);
  await db().$transaction(async (tx) => {
    const user = await tx.user.upsert({ where: { name: reporter.name }, create: { name: reporter.name }, update: {}, select: { id: true } });
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REPORT_LOCK}::int, ${user.id}::int)`;
    const open = await tx.report.findFirst({ where: { entryId, reporterId: user.id, resolvedAt: null }, select: { id: true } });
    if (open) throw new AppError("already_reported", 409, "You have already reported this image; a moderator will look at it and tell you what was done.");
    const recent = await tx.report.count({ where: { reporterId: user.id, createdAt: { gt: new Date(Date.now() - 3_600_000) } } });
    if (recent >= REPORTS_PER_HOUR) throw new AppError("too_many_reports", 429, `You have sent ${recent} reports in the last hour, the most Kiln takes from one person. Try again later.`);
    await tx.report.create({ data: { entryId, subject, reporterId: user.id, reason } });
    await audit(tx, { actor: reporter.name, action: "report.create", target: `${subject} (${row.user.name}'s entry ${row.id})`, reason, details: { entryId } });
  });
  return { message: "Thank you. A moderator will look at it, and you will be told here what was done." };
}
const REPORT_LOCK = 0x6b7270; // "krp"
const REPORTS_PER_HOUR = 20;

export async function dismissReport(moderator: KilnUser, reportId: number, reason: string): Promise<{ message: string }> {
  await db().$transaction(async (tx) => {
    const report = await tx.report.findUnique({ where: { id: reportId } });
    if (!report || report.resolvedAt) throw new AppError("report_not_found", 404, "That report is already closed.");
    const resolution = `a moderator looked at it and left it as it is. Reason: ${reason}`;
    await tx.report.update({ where: { id: reportId }, data: { resolvedAt: new Date(), resolvedBy: moderator.name, resolution } });
    await notify(tx, report.reporterId, `Your report about ${report.subject}: ${resolution}`, "/library?view=shared");
    await audit(tx, { actor: moderator.name, action: "report.dismiss", target: report.subject, reason, details: { reportId, entryId: report.entryId } });
  });
  return { message: "Dismissed; the reporter was told." };
}

/** The Hub's curated environments for the Launch page: featured, shared, visible and not banned. */
export async function featuredEntries(): Promise<FeaturedEntry[]> {
  const rows = await db().libraryEntry.findMany({
    where: { featuredAt: { not: null }, visibility: "shared", hiddenAt: null, cleanedAt: null, build: { status: "built" } },
    include: { build: true, user: { select: { name: true } } },
    orderBy: { featuredAt: "asc" },
    take: 24,
  });
  const banned = await bannedBuildIds(rows.map((row) => row.build));
  return rows
    .filter((row) => !banned.has(row.buildId))
    .map((row) => ({
      entryId: row.id,
      displayName: row.build.displayName,
      requestedRef: row.build.requestedRef,
      resolvedRef: row.build.resolvedRef,
      description: row.featuredDescription ?? "",
      owner: row.user.name,
      launchCount: row.launchCount,
    }));
}
