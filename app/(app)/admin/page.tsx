import type { Metadata } from "next";
import { PageHeading } from "@/components/PageHeading";
import { requireUserForPage } from "@/lib/auth/session";
import { canModerate } from "@/lib/auth/permissions";
import { sharesOriginWithUserServers } from "@/lib/env";
import { AdminSummary } from "./AdminSummary";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  const user = await requireUserForPage("/admin");
  if (!canModerate(user)) {
    return (
      <section role="alert" className="rounded-xl border border-red-300 bg-red-50 p-6 dark:border-red-900 dark:bg-red-950">
        <h1 className="text-xl font-semibold">You can’t moderate Kiln</h1>
        <p className="mt-2">Admin pages are for Hub admins and holders of the Kiln moderator role. Ask a Hub admin if you need it.</p>
      </section>
    );
  }
  return (
    <>
      <PageHeading title="Admin">Moderate shared images, ban repositories and set quotas.</PageHeading>
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
      <AdminSummary />
    </>
  );
}
