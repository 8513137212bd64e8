import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { publicBaseUrl, serverEnv } from "@/lib/env";

// Sends signed-out visitors to sign-in (pages) or answers 401 (API) before anything renders.
// Routes check the session again themselves; this is the friendly front door, not the lock.

const PUBLIC_PATHS = ["/signin", "/api/auth", "/api/health", "/api/dataverse-installations", "/api/hub"];

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (PUBLIC_PATHS.some((path) => pathname === path || pathname.startsWith(`${path}/`))) return NextResponse.next();

  const token = await getToken({ req: request, secret: serverEnv().NEXTAUTH_SECRET });
  if (token?.kiln) return NextResponse.next();

  if (pathname.startsWith("/api/")) {
    return NextResponse.json(
      { type: "about:blank#not_signed_in", title: "not signed in", status: 401, code: "not_signed_in", detail: "Sign in through JupyterHub to use Kiln." },
      { status: 401, headers: { "content-type": "application/problem+json" } },
    );
  }
  // Built from the configured public URL: behind the Hub's proxy the Host header is not ours to trust.
  // nextUrl.basePath is empty for the bare prefix (/services/kiln), so use the configured one.
  const prefix = serverEnv().JUPYTERHUB_SERVICE_PREFIX.replace(/\/+$/, "");
  const path = pathname.startsWith(`${prefix}/`) || pathname === prefix ? pathname : `${prefix}${pathname}`;
  const returnTo = `${path}${search}`;
  return NextResponse.redirect(`${publicBaseUrl()}/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
}

export const config = {
  // "/" is listed on its own: the catch-all does not match the bare basePath.
  matcher: ["/", "/((?!_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
