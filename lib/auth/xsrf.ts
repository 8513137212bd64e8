import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { serverEnv } from "@/lib/env";

/** The CSRF token of a session: derived from its id, so it needs no storage and dies with it. */
export function xsrfTokenFor(sessionId: string, secret = serverEnv().NEXTAUTH_SECRET): string {
  return createHmac("sha256", secret).update(`kiln-xsrf:${sessionId}`).digest("base64url");
}

export function xsrfTokenMatches(sessionId: string, given: string | null, secret?: string): boolean {
  if (!given) return false;
  const expected = Buffer.from(xsrfTokenFor(sessionId, secret));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
