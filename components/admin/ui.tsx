import type { ReactNode } from "react";

// Small pieces the admin pages share.

export const inputClass = "rounded-md border border-stone-300 bg-white px-2 py-1.5 text-sm dark:border-stone-700 dark:bg-stone-950";
export const buttonClass = "rounded-md bg-stone-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-stone-700 disabled:opacity-50 dark:bg-stone-100 dark:text-stone-900 dark:hover:bg-stone-300";
export const quietButtonClass = "rounded-md border border-stone-300 px-3 py-1.5 text-sm font-medium hover:bg-stone-100 disabled:opacity-50 dark:border-stone-700 dark:hover:bg-stone-800";

export function Panel({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/\W+/g, "-")}-heading`;
  return (
    <section aria-labelledby={headingId} className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900">
      <h2 id={headingId} className="mb-3 font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export function Notice({ text, error }: { text: string | null; error?: boolean }) {
  return (
    <p role={error ? "alert" : "status"} aria-live="polite" className={`min-h-5 text-sm ${error ? "text-red-700 dark:text-red-400" : ""}`}>
      {text}
    </p>
  );
}

const GiB = 1024 ** 3;
export const formatBytes = (bytes: number | null) => (bytes === null ? "—" : bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`);
