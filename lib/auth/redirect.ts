import { serverEnv } from "@/lib/env";

/**
 * Where next-auth sends the browser after signing in or out: a page inside Kiln, or the Hub's
 * logout page (signing out of Kiln signs out of the Hub too), else Kiln's home. Never the Hub's
 * root (it starts the person's default server, which nobody asked for; next-auth offers the bare
 * origin when the callback cookie was lost) and never another site.
 */
export function signInDestination(url: string, kilnBaseUrl: string, hubLogoutUrl: string): string {
  const base = new URL(`${kilnBaseUrl.replace(/\/+$/, "")}/`);
  try {
    const target = new URL(url, base.origin);
    if (target.origin === base.origin && (`${target.pathname}/` === base.pathname || target.pathname.startsWith(base.pathname))) return target.toString();
    if (target.toString() === new URL(hubLogoutUrl).toString()) return target.toString();
  } catch {
    // not a URL: home
  }
  return base.toString();
}

/** The Hub's logout page: where signing out of Kiln goes on to. */
export function hubLogoutUrl(hubPublicUrl: string = serverEnv().JUPYTERHUB_PUBLIC_URL): string {
  return `${hubPublicUrl.replace(/\/+$/, "")}/hub/logout`;
}
