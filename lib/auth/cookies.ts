import "server-only";
import type { CookieOption } from "next-auth";
import { getToken, type JWT } from "next-auth/jwt";
import { serverEnv, servicePath } from "@/lib/env";

// Kiln's cookies live on its service path only: user servers share the Hub's origin, and a
// cookie on "/" would be sent to every one of them.

export const SESSION_COOKIE = "kiln-session";
/** JupyterHub's convention: a readable cookie that pages echo in an X-XSRFToken header. */
export const XSRF_COOKIE = "_xsrf";
export const XSRF_HEADER = "x-xsrftoken";

export function cookieOptions(extra: Partial<CookieOption["options"]> = {}): CookieOption["options"] {
  return {
    path: servicePath(),
    sameSite: "lax",
    httpOnly: true,
    secure: serverEnv().NEXTAUTH_URL.startsWith("https://"),
    ...extra,
  };
}

/** Every cookie next-auth sets, renamed and scoped to the service path. */
export function nextAuthCookies(): Record<string, CookieOption> {
  const flow = { name: "", options: cookieOptions({ maxAge: 15 * 60 }) };
  return {
    sessionToken: { name: SESSION_COOKIE, options: cookieOptions() },
    callbackUrl: { name: "kiln-callback-url", options: cookieOptions() },
    csrfToken: { name: "kiln-auth-csrf", options: cookieOptions() },
    pkceCodeVerifier: { ...flow, name: "kiln-pkce" },
    state: { ...flow, name: "kiln-oauth-state" },
    nonce: { ...flow, name: "kiln-nonce" },
  };
}

/** Reads and decrypts the session cookie of a request (chunked cookies included). */
export async function decodeSessionCookie(request: { headers: Headers; cookies: { getAll(): { name: string; value: string }[] } }): Promise<JWT | null> {
  // getToken's type wants a Next API request; it only reads `headers` and `cookies.getAll()`.
  return getToken({ req: request as unknown as Parameters<typeof getToken>[0]["req"], secret: serverEnv().NEXTAUTH_SECRET, cookieName: SESSION_COOKIE });
}
