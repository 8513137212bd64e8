import "server-only";
import { log } from "@/lib/log";
import { audit } from "@/lib/audit/server";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { AppError, badRequest } from "@/lib/http/errors";
import { providerHosts } from "@/lib/builds/settings";
import { BanPatternError, normalisePattern, repositoryForms, repositoryHost, ruleMatches, specForms, type BanSubject, type RuleLike } from "./rules";
import type { BanRuleInput, BanRuleView } from "./schema";

interface Rule extends RuleLike {
  id: number;
  reason: string;
}

/** Rules are read at most this often per process; a change made here is seen at once. */
const CACHE_MS = 2000;
let cached: { rules: Rule[]; at: number } | null = null;

async function rules(): Promise<Rule[]> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.rules;
  const rows = await db().banRule.findMany({ orderBy: { id: "asc" }, select: { id: true, kind: true, pattern: true, reason: true } });
  // A pattern saved before a stricter check (or by hand) that no longer compiles bans nothing
  // rather than failing every request.
  const usable = rows.filter((rule) => {
    try {
      normalisePattern(rule);
      return true;
    } catch {
      log.error(`ban rule ${rule.id} has a pattern Kiln cannot use; it is ignored`);
      return false;
    }
  });
  cached = { rules: usable, at: Date.now() };
  return usable;
}

export function forgetBanRules(): void {
  cached = null;
}

/** The subject of a build: its specs (requested and resolved ref), its host, and the person. */
export function buildSubject(build: { spec: string; resolvedRef?: string; requestedRef?: string; repoUrl: string }, user: string | null): BanSubject {
  const resolvedSpec = build.resolvedRef && build.requestedRef ? resolvedForm(build.spec, build.requestedRef, build.resolvedRef) : null;
  return {
    specs: [...specForms(build.spec, ...(resolvedSpec ? [resolvedSpec] : [])), ...repositoryForms([build.repoUrl], providerHosts().gist)],
    host: repositoryHost(build.repoUrl),
    user,
  };
}

/** The spec with its ref replaced by the resolved one, so a ban on a branch covers its commits too. */
function resolvedForm(spec: string, requestedRef: string, resolvedRef: string): string | null {
  const ref = encodeURIComponent(requestedRef);
  return spec.endsWith(`/${ref}`) ? `${spec.slice(0, -ref.length)}${encodeURIComponent(resolvedRef)}` : null;
}

/** The first rule that refuses `action` on `subject`, or null. */
export async function matchingBan(subject: BanSubject, action: "build" | "share" | "run"): Promise<Rule | null> {
  return (await rules()).find((rule) => ruleMatches(rule, subject, action)) ?? null;
}

/** Whether any rule bans this repository outright (not a per-user rule). */
export async function repositoryBanned(build: { spec: string; resolvedRef: string; requestedRef: string; repoUrl: string }): Promise<Rule | null> {
  return matchingBan(buildSubject(build, null), "run");
}

/** The error a refused person reads: what was refused, and the moderator's reason. */
export function bannedError(rule: Rule, action: "build" | "share" | "run", what: string): AppError {
  const refusal =
    rule.kind === "user_build" ? "You may not build images on this Hub" :
    rule.kind === "user_share" ? "You may not share images on this Hub" :
    action === "build" ? `Kiln does not build ${what} on this Hub` :
    action === "share" ? `${what} may not be shared on this Hub` :
    `${what} may not be run on this Hub`;
  return new AppError("banned", 403, `${refusal}: ${rule.reason.replace(/\.$/, "")}. Ask a Hub admin if you think this is a mistake.`, {
    details: { rule: { id: rule.id, kind: rule.kind } },
  });
}

/** Refuses (403) when a rule bans `action` on this subject. */
export async function assertNotBanned(subject: BanSubject, action: "build" | "share" | "run", what: string): Promise<void> {
  const rule = await matchingBan(subject, action);
  if (rule) throw bannedError(rule, action, what);
}

/** Banned image names among `images` (for the Hub's allowed_images answer and the shared view). */
export async function bannedBuildIds(builds: { id: string; spec: string; resolvedRef: string; requestedRef: string; repoUrl: string }[]): Promise<Set<string>> {
  const all = await rules();
  if (!all.some((rule) => rule.kind === "spec" || rule.kind === "host")) return new Set();
  const banned = new Set<string>();
  for (const build of builds) {
    const subject = buildSubject(build, null);
    if (all.some((rule) => ruleMatches(rule, subject, "run"))) banned.add(build.id);
  }
  return banned;
}

function toView(row: { id: number; kind: BanRuleView["kind"]; pattern: string; reason: string; author: string; createdAt: Date }): BanRuleView {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

export async function listBanRules(): Promise<BanRuleView[]> {
  return (await db().banRule.findMany({ orderBy: { createdAt: "desc" } })).map(toView);
}

export function checkedPattern(input: Pick<BanRuleInput, "kind" | "pattern">): string {
  try {
    return normalisePattern(input);
  } catch (error) {
    if (error instanceof BanPatternError) throw badRequest(error.message, [{ field: "pattern", message: error.message }]);
    throw error;
  }
}

/** Saves a rule (in `tx`, when the caller's change must commit with it) and records it. */
export async function createBanRule(author: string, input: BanRuleInput, tx?: Prisma.TransactionClient): Promise<BanRuleView> {
  const pattern = checkedPattern(input);
  const write = async (client: Prisma.TransactionClient) => {
    const created = await client.banRule.create({ data: { kind: input.kind, pattern, reason: input.reason, author } });
    await audit(client, { actor: author, action: "ban.create", target: `${input.kind}:${pattern}`, reason: input.reason, details: { ruleId: created.id } });
    return created;
  };
  const row = tx ? await write(tx) : await db().$transaction(write);
  forgetBanRules();
  return toView(row);
}

export async function deleteBanRule(actor: string, id: number, reason: string | null): Promise<void> {
  await db().$transaction(async (tx) => {
    const rule = await tx.banRule.findUnique({ where: { id } });
    if (!rule) throw new AppError("ban_not_found", 404, "That ban rule does not exist any more.");
    await tx.banRule.delete({ where: { id } });
    await audit(tx, { actor, action: "ban.delete", target: `${rule.kind}:${rule.pattern}`, reason, details: { ruleId: id, ruleReason: rule.reason } });
  });
  forgetBanRules();
}

/** Every saved rule (and a draft) that would refuse something about this subject, and what. */
export async function testBanRules(subject: BanSubject, draft: RuleLike | undefined): Promise<{ id: number | null; kind: Rule["kind"]; pattern: string; reason: string; refuses: string }[]> {
  const candidates: (RuleLike & { id: number | null; reason: string })[] = [...(await rules())];
  if (draft) candidates.unshift({ ...draft, pattern: checkedPattern(draft), id: null, reason: "(not saved yet)" });
  const results = [];
  for (const rule of candidates) {
    const refused = (["build", "share", "run"] as const).filter((action) => ruleMatches(rule, subject, action));
    if (refused.length) results.push({ id: rule.id, kind: rule.kind, pattern: rule.pattern, reason: rule.reason, refuses: refused.join(", ") });
  }
  return results;
}
