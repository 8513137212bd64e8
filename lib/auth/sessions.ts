import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { userTokenProfile } from "@/lib/hub/client";
import { recordSignIn } from "@/lib/users/server";
import { forbidden, notSignedIn, unavailable } from "@/lib/http/errors";
import { kilnUserFromHub, kilnUserFromToken, type KilnUser } from "./identity";

// Server-side sessions behind next-auth's JWT cookie: the cookie names a row, and only a row
// that is neither revoked nor expired signs anyone in. The Hub is asked again at a short
// interval who the user is: signing out of the Hub ends Kiln's session, and a role the Hub took
// away (admin, moderator) is gone from Kiln at that check, not at the cookie's expiry.

/** How often a session is re-checked with the Hub. */
export const HUB_RECHECK_MS = 60_000;

export async function createSession(userName: string, maxAgeSeconds: number): Promise<string> {
  const id = randomUUID();
  const user = await db().user.findUniqueOrThrow({ where: { name: userName }, select: { id: true } });
  await db().session.create({ data: { id, userId: user.id, expiresAt: new Date(Date.now() + maxAgeSeconds * 1000) } });
  return id;
}

export async function revokeSession(id: string): Promise<void> {
  await db().session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
}

/**
 * The session's user as Kiln knows them now, or null when the session may not be used. Asks the
 * Hub (with the user's token) when its last answer is older than HUB_RECHECK_MS; a Hub that
 * cannot be reached signs nobody out, a Hub that says the token is gone does.
 */
export async function liveSessionUser(id: string, userName: string, hubToken: string | undefined): Promise<KilnUser | null> {
  if (!z.guid().safeParse(id).success) return null;
  const row = await db().session.findUnique({
    where: { id },
    select: { revokedAt: true, expiresAt: true, checkedAt: true, user: { select: { name: true, isAdmin: true, isModerator: true, groups: true } } },
  });
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now() || row.user.name !== userName) return null;
  const known: KilnUser = { name: row.user.name, isAdmin: row.user.isAdmin, isModerator: row.user.isModerator, groups: row.user.groups };
  if (Date.now() - row.checkedAt.getTime() < HUB_RECHECK_MS) return known;
  if (!hubToken) return null;
  const answer = await userTokenProfile(hubToken);
  if (answer.status === "revoked") {
    await revokeSession(id);
    return null;
  }
  if (answer.status !== "valid") return known;
  const fresh = kilnUserFromHub(answer.profile, serverEnv().KILN_MODERATOR_SCOPE);
  if (fresh.name !== userName) return null;
  await recordSignIn(fresh);
  await db().session.update({ where: { id }, data: { checkedAt: new Date() } });
  return fresh;
}

/**
 * Asks the Hub now, with the caller's own token, whether they are still a moderator: a
 * moderation action takes effect only for someone the Hub says holds the role at that moment,
 * whatever the session or the token cache remembers. The stored role follows the Hub's answer.
 */
export async function confirmModerator(hubToken: string | undefined, updateStoredRole: boolean): Promise<KilnUser> {
  if (!hubToken) throw notSignedIn();
  const answer = await userTokenProfile(hubToken);
  if (answer.status === "unknown") {
    throw unavailable("hub", "JupyterHub did not answer whether you are still a moderator, so nothing was changed. Try again in a minute.");
  }
  if (answer.status !== "valid") throw notSignedIn();
  // The session's OAuth token is what the Hub allows Kiln; an API token may have been narrowed.
  const fresh = updateStoredRole ? kilnUserFromHub(answer.profile, serverEnv().KILN_MODERATOR_SCOPE) : kilnUserFromToken(answer.profile, serverEnv().KILN_MODERATOR_SCOPE);
  if (updateStoredRole) await recordSignIn(fresh);
  if (!fresh.isModerator) throw forbidden("moderate Kiln: the Hub no longer gives you the moderator role");
  return fresh;
}
