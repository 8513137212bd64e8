"use client";

import { useQuery } from "@tanstack/react-query";
import { adminKeys, fetchAdminSummary } from "@/lib/admin/queries";

export function AdminSummary() {
  const summary = useQuery({ queryKey: adminKeys.summary(), queryFn: fetchAdminSummary });
  return (
    <dl className="grid gap-4 sm:grid-cols-3" aria-busy={summary.isPending}>
      <div className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900">
        <dt className="text-sm text-stone-600 dark:text-stone-400">People who have signed in</dt>
        <dd className="mt-1 text-2xl font-semibold" data-testid="admin-user-count">
          {summary.isPending ? "…" : summary.isError ? "unavailable" : summary.data.users}
        </dd>
      </div>
      <div className="rounded-xl border border-dashed border-stone-300 p-4 text-sm text-stone-600 sm:col-span-2 dark:border-stone-700 dark:text-stone-400">
        Shared images will wait here for review once people start building and sharing them.
      </div>
    </dl>
  );
}
