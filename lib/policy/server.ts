import "server-only";
import { log } from "@/lib/log";
import { audit } from "@/lib/audit/server";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { defaultPolicy, policySchema, type Policy } from "./schema";

const POLICY_KEY = "policy";
/** Read at most this often per process; a change made here is seen at once. */
const CACHE_MS = 2000;
let cached: { policy: Policy; at: number } | null = null;

/** The Hub's policy: what moderators saved, over the defaults for anything they never set. */
export async function currentPolicy(): Promise<Policy> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.policy;
  const row = await db().setting.findUnique({ where: { key: POLICY_KEY } });
  const parsed = row ? policySchema.safeParse(row.value) : null;
  if (parsed && !parsed.success) log.error({ issues: parsed.error.issues }, "the saved policy does not validate; using the defaults");
  const policy = parsed?.success ? parsed.data : defaultPolicy;
  cached = { policy, at: Date.now() };
  return policy;
}

/** Saves a new policy and records what changed, in one transaction. */
export async function savePolicy(actor: string, policy: Policy, reason: string | null): Promise<Policy> {
  const before = await currentPolicy();
  await db().$transaction(async (tx) => {
    const value = policy as unknown as Prisma.InputJsonObject;
    await tx.setting.upsert({ where: { key: POLICY_KEY }, create: { key: POLICY_KEY, value, updatedBy: actor }, update: { value, updatedBy: actor, updatedAt: new Date() } });
    await audit(tx, { actor, action: "policy.update", target: "policy", reason, details: { changed: changedPaths(before, policy), before, after: policy } });
  });
  cached = null;
  return policy;
}

/** "quotas.defaults.buildsPerHour"-style names of what differs, for the audit log's reader. */
function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && !Array.isArray(a)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => changedPaths((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** For tests: forget the cached policy. */
export function forgetPolicy(): void {
  cached = null;
}
