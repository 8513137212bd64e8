import "server-only";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { serverEnv } from "@/lib/env";
import { authOptions } from "./options";
import type { KilnUser } from "./identity";

export type { KilnUser };

/** The signed-in user, or null. */
export async function currentUser(): Promise<KilnUser | null> {
  const session = await getServerSession(authOptions());
  return session?.kiln ?? null;
}

/** For pages: the signed-in user, or a redirect to sign-in that comes back to `returnPath`. */
export async function requireUserForPage(returnPath: string): Promise<KilnUser> {
  const user = await currentUser();
  if (!user) {
    // next-auth reads callbackUrl from the origin, so it carries the service prefix.
    const prefix = serverEnv().JUPYTERHUB_SERVICE_PREFIX.replace(/\/+$/, "");
    redirect(`/signin?callbackUrl=${encodeURIComponent(`${prefix}${returnPath}`)}`);
  }
  return user;
}
