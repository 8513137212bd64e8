import "server-only";
import { db } from "@/lib/db";
import type { KilnUser } from "@/lib/auth/identity";

/** Creates or refreshes the user's row from what the Hub said at sign-in. */
export async function recordSignIn(user: KilnUser): Promise<void> {
  const fields = { isAdmin: user.isAdmin, isModerator: user.isModerator, groups: user.groups, lastSeenAt: new Date() };
  await db().user.upsert({ where: { name: user.name }, create: { name: user.name, ...fields }, update: fields });
}

/** A call with a Hub API token: the user exists; what their token may do is not who they are. */
export async function recordTokenUse(user: KilnUser): Promise<{ groups: string[] }> {
  return db().user.upsert({
    select: { groups: true },
    where: { name: user.name },
    create: { name: user.name, isAdmin: user.isAdmin, isModerator: user.isModerator, groups: user.groups, lastSeenAt: new Date() },
    update: { lastSeenAt: new Date() },
  });
}

export async function countUsers(): Promise<number> {
  return db().user.count();
}
