import { NextResponse, type NextRequest } from "next/server";
import { cookieOptions, decodeSessionCookie, xsrfCookieName } from "@/lib/auth/cookies";
import { xsrfTokenFor } from "@/lib/auth/xsrf";
import { allowedMethods } from "@/lib/api/methods";
import { corsOrigin, publicBaseUrl, servicePath } from "@/lib/env";
import { problem } from "@/lib/http/problem";
import { LINK_SPEC_HEADER } from "@/lib/links/links";

// Sends signed-out visitors to sign-in (pages) or answers 401 (API) before anything renders, and
// hands signed-in pages their CSRF token in the `_xsrf` cookie. Routes check the session again
// themselves (including whether it was revoked); this is the friendly front door, not the lock.

// The build API authenticates itself and answers every refusal with a failed event, as BinderHub does.
export const PUBLIC_PATHS = ["/signin", "/api/auth", "/api/health", "/api/dataverse-installations", "/api/openapi.json", "/api/hub", "/metrics", "/badge.svg", "/badge_logo.svg", "/repo", "/build"];

/** Answered as an API (401, CORS), not by sending the browser to sign in. */
const API_PATHS = ["/api/", "/build/"];

export async function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const isApi = API_PATHS.some((path) => pathname.startsWith(path));
  const allowOrigin = isApi ? corsOrigin(request.headers.get("origin")) : null;
  if (allowOrigin && request.method === "OPTIONS") return new Response(null, { status: 204, headers: preflightHeaders(allowOrigin) });
  const response = await answer(request, isApi);
  if (allowOrigin) {
    response.headers.set("access-control-allow-origin", allowOrigin);
    response.headers.append("vary", "Origin");
  }
  return response;
}

/**
 * Cross-origin callers authenticate with a Hub API token, never with Kiln's cookies, so no
 * credentials are allowed: a listed site cannot act with a visitor's session.
 */
function preflightHeaders(origin: string): HeadersInit {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, POST, PATCH, DELETE",
    "access-control-allow-headers": "authorization, content-type, last-event-id",
    "access-control-max-age": "600",
    vary: "Origin",
  };
}

async function answer(request: NextRequest, isApi: boolean): Promise<Response> {
  const { pathname, search } = request.nextUrl;
  // A malformed escape (%E0%A4%A) would make Next's own decoding of the path fail with a 500.
  try {
    decodeURIComponent(pathname);
  } catch {
    return problem(400, "bad_request", "The address has a malformed %-escape. Check the link.");
  }
  // An API path ending in "/" names nothing (an empty id), where a redirect to its parent would
  // meet a method that means something else there; a page's goes to the page, as Next does.
  // (The raw path: Kiln's home is "/" below the base path either way.)
  const rawPath = new URL(request.url).pathname;
  if (rawPath.length > 1 && rawPath.endsWith("/")) {
    if (isApi) return problem(404, "not_found", "There is no such thing here. Check the link.");
    return NextResponse.redirect(`${new URL(publicBaseUrl()).origin}${rawPath.replace(/\/+$/, "")}${search}`, 308);
  }
  const methods = allowedMethods(pathname);
  const method = request.method === "HEAD" ? "GET" : request.method;
  if (methods && method !== "OPTIONS" && !(methods as string[]).includes(method)) {
    return problem(405, "method_not_allowed", `${pathname} answers ${methods.join(", ")} only.`, {}, { allow: methods.join(", ") });
  }
  if (PUBLIC_PATHS.some((path) => pathname === path || pathname.startsWith(`${path}/`))) return NextResponse.next();
  // A Hub API token: the route checks it with the Hub.
  if (isApi && request.headers.has("authorization")) return NextResponse.next();
  // Set from the path alone; whatever a client sent under that name is replaced or dropped.
  const headers = new Headers(request.headers);
  headers.delete(LINK_SPEC_HEADER);
  if (pathname.startsWith("/v2/")) headers.set(LINK_SPEC_HEADER, pathname.slice("/v2/".length));

  const token = await decodeSessionCookie(request);
  if (token?.kiln && typeof token.sid === "string") {
    const response = NextResponse.next({ request: { headers } });
    const xsrf = xsrfTokenFor(token.sid);
    if (request.cookies.get(xsrfCookieName())?.value !== xsrf) {
      // Readable by Kiln's own scripts (they echo it in X-XSRFToken), never sent off its path.
      response.cookies.set(xsrfCookieName(), xsrf, { ...cookieOptions({ httpOnly: false, sameSite: "strict" }) });
    }
    return response;
  }

  if (isApi) return problem(401, "not_signed_in", "Sign in through JupyterHub to use Kiln.");
  // Built from the configured public URL: behind the Hub's proxy the Host header is not ours to trust.
  // nextUrl.basePath is empty for the bare prefix (/services/kiln), so use the configured one.
  const prefix = servicePath();
  const path = pathname.startsWith(`${prefix}/`) || pathname === prefix ? pathname : `${prefix}${pathname}`;
  return NextResponse.redirect(`${publicBaseUrl()}/signin?callbackUrl=${encodeURIComponent(`${path}${search}`)}`);
}

export const config = {
  // "/" is listed on its own: the catch-all does not match the bare basePath.
  matcher: ["/", "/((?!_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
