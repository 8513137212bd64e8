import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { userTokenStatus } from "@/lib/hub/client";

// Server-side sessions behind next-auth's JWT cookie: the cookie names a row, and only a row
// that is neither revoked nor expired signs anyone in. The Hub is asked again at a short
// interval whether the user's token still holds, so signing out of the Hub ends Kiln's session.

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
 * True when the session may be used now. Asks the Hub (with the user's token) when the last
 * confirmation is older than HUB_RECHECK_MS; a Hub that cannot be reached does not sign anyone
 * out, a Hub that says the token is gone does.
 */
export async function sessionIsLive(id: string, userName: string, hubToken: string | undefined): Promise<boolean> {
  if (!isUuid(id)) return false;
  const row = await db().session.findUnique({ where: { id }, select: { revokedAt: true, expiresAt: true, checkedAt: true, user: { select: { name: true } } } });
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now() || row.user.name !== userName) return false;
  if (Date.now() - row.checkedAt.getTime() < HUB_RECHECK_MS) return true;
  if (!hubToken) return false;
  const status = await userTokenStatus(hubToken);
  if (status === "revoked") {
    await revokeSession(id);
    return false;
  }
  if (status === "valid") await db().session.update({ where: { id }, data: { checkedAt: new Date() } });
  return true;
}

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
