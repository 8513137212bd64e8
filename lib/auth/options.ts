import "server-only";
import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { publicBaseUrl, serverEnv, servicePath } from "@/lib/env";
import { hubLogoutUrl, signInDestination } from "./redirect";
import { recordSignIn } from "@/lib/users/server";
import { nextAuthCookies } from "./cookies";
import { kilnUserFromHub, kilnUserSchema, type HubUser } from "./identity";
import { createSession, revokeSession } from "./sessions";

export const SESSION_HOURS = 12;

/** JupyterHub as an OAuth2 provider: Kiln is the Hub service `kiln`, client id `service-kiln`. */
function jupyterHubProvider(): OAuthConfig<HubUser> {
  const env = serverEnv();
  const publicHub = env.JUPYTERHUB_PUBLIC_URL.replace(/\/+$/, "");
  return {
    id: "jupyterhub",
    name: "JupyterHub",
    type: "oauth",
    clientId: env.JUPYTERHUB_CLIENT_ID,
    // JupyterHub uses a service's API token as its OAuth client secret.
    clientSecret: env.JUPYTERHUB_API_TOKEN,
    // The browser goes to the public authorize URL; token and user calls go straight to the Hub.
    // The scopes jupyterhub_config.py allows this client; the Hub intersects them with what the
    // user holds when the token is used, so only moderators' tokens carry the moderator scope.
    authorization: {
      url: `${publicHub}/hub/api/oauth2/authorize`,
      params: { scope: `read:users:groups!user ${env.KILN_MODERATOR_SCOPE}` },
    },
    token: `${env.JUPYTERHUB_API_URL}/oauth2/token`,
    userinfo: `${env.JUPYTERHUB_API_URL}/user`,
    client: { token_endpoint_auth_method: "client_secret_post" },
    checks: ["state"],
    profile: (profile) => ({ id: profile.name, name: profile.name }),
  };
}

export function authOptions(): NextAuthOptions {
  const env = serverEnv();
  return {
    secret: env.NEXTAUTH_SECRET,
    providers: [jupyterHubProvider()],
    session: { strategy: "jwt", maxAge: SESSION_HOURS * 3600 },
    cookies: nextAuthCookies(),
    // next-auth resolves these against the origin, so they carry the basePath.
    pages: { signIn: `${servicePath()}/signin`, error: `${servicePath()}/signin` },
    callbacks: {
      redirect: ({ url }) => signInDestination(url, publicBaseUrl(), hubLogoutUrl(env.JUPYTERHUB_PUBLIC_URL)),
      async jwt({ token, profile, account }) {
        // `profile` and `account` are only present at sign-in: the Hub's answer to GET /hub/api/user
        // and the token the Hub issued to Kiln for this user (revoked when they sign out of the Hub).
        if (profile) {
          const user = kilnUserFromHub(profile, env.KILN_MODERATOR_SCOPE);
          await recordSignIn(user);
          token.kiln = user;
          token.sid = await createSession(user.name, SESSION_HOURS * 3600);
          token.hubToken = account?.access_token;
        }
        return token;
      },
      session({ session, token }) {
        const parsed = kilnUserSchema.safeParse(token.kiln);
        if (parsed.success) session.kiln = parsed.data;
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === "string") await revokeSession(token.sid);
      },
    },
  };
}
