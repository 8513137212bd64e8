import type { Metadata } from "next";
import { PageHeading } from "@/components/PageHeading";
import { requireUserForPage } from "@/lib/auth/session";
import { canModerate } from "@/lib/auth/permissions";
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
      <AdminSummary />
    </>
  );
}
