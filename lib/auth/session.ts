import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { servicePath } from "@/lib/env";
import { decodeSessionCookie } from "./cookies";
import { kilnUserSchema, type KilnUser } from "./identity";
import { liveSessionUser } from "./sessions";

export type { KilnUser };

export interface KilnSession {
  user: KilnUser;
  /** The server-side session id; the CSRF token is derived from it. */
  sessionId: string;
  /** The user's own Hub token from sign-in, to ask the Hub who they are now. Never sent to browsers. */
  hubToken?: string;
}

/** The signed-in session, or null: the cookie must decode and its server-side session be live. */
export async function currentSession(): Promise<KilnSession | null> {
  const token = await decodeSessionCookie({ headers: await headers(), cookies: await cookies() });
  const user = kilnUserSchema.safeParse(token?.kiln);
  if (!token || !user.success || typeof token.sid !== "string") return null;
  // Who they are and what they may do comes from the live session, not the cookie's copy.
  const live = await liveSessionUser(token.sid, user.data.name, token.hubToken);
  return live ? { user: live, sessionId: token.sid, ...(token.hubToken ? { hubToken: token.hubToken } : {}) } : null;
}

/** The signed-in user, or null. */
export async function currentUser(): Promise<KilnUser | null> {
  return (await currentSession())?.user ?? null;
}

/** For pages: the signed-in user, or a redirect to sign-in that comes back to `returnPath`. */
export async function requireUserForPage(returnPath: string): Promise<KilnUser> {
  const user = await currentUser();
  // next-auth reads callbackUrl from the origin, so it carries the service prefix.
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`${servicePath()}${returnPath}`)}`);
  return user;
}
