"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchFeatured, featuredKeys } from "@/lib/moderation/client";
import { LaunchButton } from "./LaunchButton";

/** The Hub's curated environments, first on the Launch page: start without pasting anything. */
export function FeaturedImages() {
  const featured = useQuery({ queryKey: featuredKeys.all, queryFn: fetchFeatured, staleTime: 60_000 });
  if (!featured.data?.length) return null;
  return (
    <section aria-labelledby="featured-heading" className="mb-8" data-testid="featured">
      <h2 id="featured-heading" className="mb-3 text-lg font-semibold">Featured environments</h2>
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {featured.data.map((entry) => (
          <li key={entry.entryId} className="flex flex-col rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900" data-testid="featured-entry">
            <h3 className="break-words font-semibold">{entry.displayName}</h3>
            <p className="text-xs text-stone-600 dark:text-stone-400">
              {entry.requestedRef} · {entry.resolvedRef.slice(0, 7)} · shared by {entry.owner}
            </p>
            <p className="mt-2 flex-1 text-sm">{entry.description}</p>
            <div className="mt-3">
              <LaunchButton entryId={entry.entryId} label={`Launch ${entry.displayName}`} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
