import type { Metadata } from "next";
import Link from "next/link";
import { AdminDashboard } from "@/components/admin/AdminDashboard";
import { AuditLog } from "@/components/admin/AuditLog";
import { BanRules } from "@/components/admin/BanRules";
import { ModerationQueue } from "@/components/admin/ModerationQueue";
import { PolicyForm } from "@/components/admin/PolicyForm";
import { PageHeading } from "@/components/PageHeading";
import { requireUserForPage } from "@/lib/auth/session";
import { canModerate } from "@/lib/auth/permissions";
import { sharesOriginWithUserServers } from "@/lib/env";

export const metadata: Metadata = { title: "Admin" };

const TABS = {
  overview: { label: "Overview", Component: AdminDashboard },
  shared: { label: "Shared images", Component: ModerationQueue },
  bans: { label: "Bans", Component: BanRules },
  policy: { label: "Policy", Component: PolicyForm },
  audit: { label: "Audit log", Component: AuditLog },
} as const;
type Tab = keyof typeof TABS;

export default async function AdminPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const requested = (await searchParams).tab;
  const tab: Tab = typeof requested === "string" && requested in TABS ? (requested as Tab) : "overview";
  const user = await requireUserForPage(`/admin${tab === "overview" ? "" : `?tab=${tab}`}`);
  if (!canModerate(user)) {
    return (
      <section role="alert" className="rounded-xl border border-red-300 bg-red-50 p-6 dark:border-red-900 dark:bg-red-950">
        <h1 className="text-xl font-semibold">You can’t moderate Kiln</h1>
        <p className="mt-2">Admin pages are for Hub admins and holders of the Kiln moderator role. Ask a Hub admin if you need it.</p>
      </section>
    );
  }
  const { Component } = TABS[tab];
  return (
    <>
      <PageHeading title="Admin">Moderate shared images, ban repositories, set quotas and read the audit log.</PageHeading>
      {sharesOriginWithUserServers() && (
        <section
          role="note"
          aria-labelledby="origin-warning"
          data-testid="origin-warning"
          className="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
        >
          <h2 id="origin-warning" className="font-semibold">User servers share Kiln’s address</h2>
          <p className="mt-1 text-sm">
            This Hub runs without <code>subdomain_host</code>, so a page that someone serves from their own server is on the
            same origin as Kiln and can act as Kiln in the browser of whoever opens it. JupyterHub recommends subdomains to
            isolate user servers from each other and from services: set <code>c.JupyterHub.subdomain_host</code> and Kiln’s{" "}
            <code>KILN_PUBLIC_URL</code> (see Kiln’s README, “Deployment”).
          </p>
        </section>
      )}
      <nav aria-label="Admin sections" className="mb-6 overflow-x-auto">
        <ul className="flex gap-1 border-b border-stone-200 dark:border-stone-800">
          {(Object.keys(TABS) as Tab[]).map((key) => (
            <li key={key}>
              <Link
                href={key === "overview" ? "/admin" : `/admin?tab=${key}`}
                aria-current={key === tab ? "page" : undefined}
                className={`-mb-px block whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${key === tab ? "border-kiln-600 text-stone-900 dark:text-stone-100" : "border-transparent text-stone-600 hover:text-stone-900 dark:text-stone-400 dark:hover:text-stone-100"}`}
              >
                {TABS[key].label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Component />
    </>
  );
}
