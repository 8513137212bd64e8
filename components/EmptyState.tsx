import type { ReactNode } from "react";

export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <section
      aria-labelledby="empty-state-title"
      className="rounded-xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center dark:border-stone-700 dark:bg-stone-900"
    >
      <h2 id="empty-state-title" className="text-lg font-semibold">
        {title}
      </h2>
      <div className="mx-auto mt-2 max-w-prose text-stone-600 dark:text-stone-400">{children}</div>
      {action && <div className="mt-6">{action}</div>}
    </section>
  );
}
