"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchUsage, usageKeys } from "@/lib/moderation/client";
import { formatQuotaAmount } from "@/lib/policy/quotas";
import type { UsageView } from "@/lib/policy/schema";

const amount = formatQuotaAmount;

/** The person's use against each of their limits, so a refusal is never a surprise. */
export function UsagePanel() {
  const usage = useQuery({ queryKey: usageKeys.all, queryFn: fetchUsage, refetchInterval: 60_000 });
  return (
    <details className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900" data-testid="usage-panel">
      <summary className="cursor-pointer font-semibold">Usage</summary>
      {usage.isPending ? (
        <p className="mt-3 text-sm text-stone-600 dark:text-stone-400">Loading your usage…</p>
      ) : usage.isError ? (
        <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-400">{usage.error.message}</p>
      ) : (
        <UsageList items={usage.data.items} />
      )}
    </details>
  );
}

function UsageList({ items }: { items: UsageView["items"] }) {
  return (
    <dl className="mt-3 grid gap-3 sm:grid-cols-2">
      {items.map((item) => {
        const share = item.limit ? Math.min(1, item.used / item.limit) : 0;
        const full = item.limit !== null && item.used >= item.limit;
        return (
          <div key={item.key} data-testid={`usage-${item.key}`}>
            <dt className="text-sm first-letter:uppercase">{item.name}</dt>
            <dd className="text-sm">
              <span className={full ? "font-semibold text-red-700 dark:text-red-400" : ""}>
                {item.limit === null ? `${amount(item.unit, item.used)} (no limit)` : `${amount(item.unit, item.used)} of ${amount(item.unit, item.limit)}`}
              </span>
              {item.from && <span className="text-xs text-stone-600 dark:text-stone-400"> (group {item.from})</span>}
              {item.limit !== null && (
                <div
                  role="meter"
                  aria-label={item.name}
                  aria-valuemin={0}
                  aria-valuemax={item.limit}
                  aria-valuenow={Math.min(item.used, item.limit)}
                  className="mt-1 h-1.5 rounded-full bg-stone-200 dark:bg-stone-800"
                >
                  <div className={`h-1.5 rounded-full ${full ? "bg-red-600" : "bg-kiln-600"}`} style={{ width: `${Math.round(share * 100)}%` }} />
                </div>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
