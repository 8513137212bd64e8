import type { ReactNode } from "react";
import { AppShell } from "@/components/AppShell";
import { requireUserForPage } from "@/lib/auth/session";
import { ShareConfigProvider } from "@/components/ShareLinks";
import { publicBaseUrl, serverEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  // proxy.ts already redirected signed-out visitors with their return path; this is the lock.
  const user = await requireUserForPage("/");
  const hubUrl = `${serverEnv().JUPYTERHUB_PUBLIC_URL.replace(/\/+$/, "")}/hub`;
  return (
    <AppShell user={user} hubUrl={hubUrl}>
      <ShareConfigProvider value={{ kilnUrl: publicBaseUrl(), badgeLabel: serverEnv().KILN_BADGE_LABEL }}>{children}</ShareConfigProvider>
    </AppShell>
  );
}
