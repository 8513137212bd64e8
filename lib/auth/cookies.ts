import "server-only";
import type { CookieOption } from "next-auth";
import { getToken, type JWT } from "next-auth/jwt";
import { serverEnv, servicePath, sharesOriginWithUserServers } from "@/lib/env";

// Kiln's cookies live on its service path only: user servers share the Hub's origin, and a
// cookie on "/" would be sent to every one of them. On a host of its own over https (the Hub's
// subdomain mode) they are __Host- cookies instead, which no sibling host can set or shadow.

export const XSRF_HEADER = "x-xsrftoken";

const secure = () => serverEnv().NEXTAUTH_URL.startsWith("https://");
const ownHost = () => secure() && !sharesOriginWithUserServers();
const cookieName = (base: string) => (ownHost() ? `__Host-${base}` : base);

export const sessionCookieName = () => cookieName("kiln-session");
/** JupyterHub's convention: a readable cookie that pages echo in an X-XSRFToken header. */
export const xsrfCookieName = () => cookieName("_xsrf");

export function cookieOptions(extra: Partial<CookieOption["options"]> = {}): CookieOption["options"] {
  return {
    path: ownHost() ? "/" : servicePath(),
    sameSite: "lax",
    httpOnly: true,
    secure: secure(),
    ...extra,
  };
}

/** Every cookie next-auth sets, renamed and scoped to the service path. */
export function nextAuthCookies(): Record<string, CookieOption> {
  const flow = { name: "", options: cookieOptions({ maxAge: 15 * 60 }) };
  return {
    sessionToken: { name: sessionCookieName(), options: cookieOptions() },
    callbackUrl: { name: cookieName("kiln-callback-url"), options: cookieOptions() },
    csrfToken: { name: cookieName("kiln-auth-csrf"), options: cookieOptions() },
    pkceCodeVerifier: { ...flow, name: cookieName("kiln-pkce") },
    state: { ...flow, name: cookieName("kiln-oauth-state") },
    nonce: { ...flow, name: cookieName("kiln-nonce") },
  };
}

/**
 * Reads and decrypts the session cookie of a request (chunked cookies included). Two cookies of
 * that name mean one was planted (set from another host or path): then nobody is signed in.
 */
export async function decodeSessionCookie(request: { headers: Headers; cookies: { getAll(): { name: string; value: string }[] } }): Promise<JWT | null> {
  const name = sessionCookieName();
  const sent = (request.headers.get("cookie") ?? "").split(";").filter((pair) => pair.trim().split("=")[0] === name);
  if (sent.length > 1) return null;
  // getToken's type wants a Next API request; it only reads `headers` and `cookies.getAll()`.
  return getToken({ req: request as unknown as Parameters<typeof getToken>[0]["req"], secret: serverEnv().NEXTAUTH_SECRET, cookieName: name });
}
