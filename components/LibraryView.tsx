"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { postBuild } from "@/lib/builds/client";
import { formatDateTime, formatSize } from "@/lib/format";
import { deleteLibraryEntry, fetchLibrary, fetchLibraryUpdates, libraryKeys, patchVisibility } from "@/lib/library/client";
import type { LibraryEntryView, LibraryQuery } from "@/lib/library/schema";
import { providerLabels } from "@/lib/repos/types";
import { fetchJson } from "@/lib/api/fetch-json";
import { requestBuildResponseSchema } from "@/lib/builds/schema";
import { postReport } from "@/lib/moderation/client";
import { EmptyState } from "./EmptyState";
import { LaunchButton } from "./LaunchButton";
import { ShareDisclosure } from "./ShareLinks";

const STATUS_BADGE: Record<string, string> = {
  built: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300",
  failed: "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300",
  cancelled: "bg-stone-200 text-stone-700 dark:bg-stone-800 dark:text-stone-300",
};


export function LibraryView() {
  const [view, setView] = useState<"mine" | "shared">("mine");
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<LibraryQuery["status"]>();
  const [visibility, setVisibility] = useState<LibraryQuery["visibility"]>();
  const [notice, setNotice] = useState<string | null>(null);
  const q = useDeferredValue(search);
  const query: LibraryQuery = { view, q: q || undefined, status, visibility: view === "mine" ? visibility : undefined };
  const library = useQuery({ queryKey: libraryKeys.list(query), queryFn: () => fetchLibrary(query) });
  const updates = useQuery({ queryKey: libraryKeys.updates(), queryFn: fetchLibraryUpdates, enabled: view === "mine", staleTime: 60_000 });
  const router = useRouter();
  const rebuild = useMutation({
    mutationFn: (spec: string) => postBuild({ repository: spec, ref: "", path: "" }),
    onSuccess: (result) => router.push(`/builds/${result.build.id}`),
    onError: (error) => setNotice(error.message),
  });
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: libraryKeys.all });

  const rebuildEntry = useMutation({
    mutationFn: async (id: number) => requestBuildResponseSchema.parse(await fetchJson(`/api/library/${id}/rebuild`, { method: "POST" })),
    onSuccess: (result) => router.push(`/builds/${result.build.id}`),
    onError: (error) => setNotice(error.message),
  });
  const share = useMutation({
    mutationFn: ({ id, to }: { id: number; to: "private" | "shared" }) => patchVisibility(id, to),
    onSuccess: (entry) => {
      setNotice(
        entry.visibility === "shared"
          ? `${entry.displayName} is now shared with everyone on this Hub.`
          : entry.visibility === "pending"
            ? `${entry.displayName} is waiting for a moderator's review; others see it once it is approved.`
            : `${entry.displayName} is private again.`,
      );
      void refresh();
    },
    onError: (error) => setNotice(error.message),
  });
  const remove = useMutation({
    mutationFn: (id: number) => deleteLibraryEntry(id),
    onSuccess: (result) => {
      setNotice(result.message);
      void refresh();
    },
    onError: (error) => setNotice(error.message),
  });

  const groups = useMemo(() => {
    const map = new Map<string, LibraryEntryView[]>();
    for (const entry of library.data ?? []) {
      const key = `${entry.provider} ${entry.repoUrl}`;
      map.set(key, [...(map.get(key) ?? []), entry]);
    }
    return [...map.values()];
  }, [library.data]);

  const tab = (value: "mine" | "shared", label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={view === value}
      onClick={() => setView(value)}
      className={`rounded-md px-3 py-1.5 text-sm font-medium ${view === value ? "bg-stone-900 text-white dark:bg-stone-100 dark:text-stone-900" : "hover:bg-stone-100 dark:hover:bg-stone-800"}`}
    >
      {label}
    </button>
  );
  const select = "rounded-md border border-stone-300 bg-white px-2 py-1.5 text-sm dark:border-stone-700 dark:bg-stone-900";

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-3">
        <div role="tablist" aria-label="Whose images" className="flex gap-1">
          {tab("mine", "My images")}
          {tab("shared", "Shared with everyone")}
        </div>
        <label className="ml-auto flex items-center gap-2 text-sm">
          <span className="sr-only">Search</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Search repositories" className={`${select} w-56`} />
        </label>
        <label className="flex items-center gap-1 text-sm">
          Status
          <select value={status ?? ""} onChange={(e) => setStatus((e.target.value || undefined) as LibraryQuery["status"])} className={select}>
            <option value="">any</option>
            <option value="built">built</option>
            <option value="building">building</option>
            <option value="failed">failed</option>
          </select>
        </label>
        {view === "mine" && (
          <label className="flex items-center gap-1 text-sm">
            Visibility
            <select value={visibility ?? ""} onChange={(e) => setVisibility((e.target.value || undefined) as LibraryQuery["visibility"])} className={select}>
              <option value="">any</option>
              <option value="private">private</option>
              <option value="shared">shared</option>
              <option value="pending">waiting for review</option>
            </select>
          </label>
        )}
      </div>

      <p role="status" aria-live="polite" className="min-h-5 text-sm" data-testid="library-notice">
        {notice}
      </p>

      {library.isPending ? (
        <p className="text-stone-600">Loading your library…</p>
      ) : library.isError ? (
        <p role="alert" className="text-red-700">{library.error.message}</p>
      ) : groups.length === 0 ? (
        view === "mine" && !q && !status && !visibility ? (
          <EmptyState title="Your library is empty" action={<Link href="/" className="inline-block rounded-md bg-kiln-600 px-4 py-2 font-medium text-white hover:bg-kiln-700">Build your first environment</Link>}>
            <p>Build a repository from Launch and its image appears here, ready to launch with your files.</p>
          </EmptyState>
        ) : (
          <EmptyState title={view === "shared" ? "Nothing shared matches" : "Nothing matches"}>
            <p>{view === "shared" ? "When people share images with everyone, they appear here." : "Try another search or filter."}</p>
          </EmptyState>
        )
      ) : (
        <ul className="space-y-4" aria-label="Repositories">
          {groups.map((entries) => {
            const first = entries[0]!;
            return (
              <li key={`${first.provider}${first.repoUrl}`} className="rounded-xl border border-stone-200 bg-white dark:border-stone-800 dark:bg-stone-900" data-testid="library-repo">
                <div className="flex flex-wrap items-end justify-between gap-2 border-b border-stone-200 px-4 py-3 dark:border-stone-800">
                  <div>
                    <p className="text-xs text-stone-600 dark:text-stone-400">{providerLabels[first.provider]}</p>
                    <h2 className="font-semibold">{first.displayName}</h2>
                  </div>
                  {view === "mine" &&
                    updates.data
                      ?.filter((update) => entries.some((entry) => entry.spec === update.spec))
                      .map((update) => (
                        <div key={update.spec} className="flex items-center gap-3 text-sm" data-testid="library-update">
                          <span className="text-kiln-700 dark:text-kiln-500">
                            New commits available on {update.requestedRef}: {update.currentRef.slice(0, 7)} → {update.latestRef.slice(0, 7)}
                          </span>
                          <button type="button" disabled={rebuild.isPending} onClick={() => rebuild.mutate(update.spec)} className="rounded-md border border-kiln-600 px-3 py-1 font-medium text-kiln-700 hover:bg-kiln-50 dark:text-kiln-500 dark:hover:bg-stone-800">
                            Rebuild at {update.requestedRef}
                          </button>
                        </div>
                      ))}
                </div>
                <table className="w-full text-left text-sm">
                  <caption className="sr-only">Versions of {first.displayName}</caption>
                  <thead className="text-xs text-stone-600 dark:text-stone-400">
                    <tr>
                      <th scope="col" className="px-4 py-2 font-medium">Version</th>
                      <th scope="col" className="px-2 py-2 font-medium">Status</th>
                      <th scope="col" className="px-2 py-2 font-medium">Built</th>
                      <th scope="col" className="px-2 py-2 font-medium">Size</th>
                      <th scope="col" className="px-2 py-2 font-medium">{view === "shared" ? "Shared by" : "Visibility"}</th>
                      <th scope="col" className="px-2 py-2 font-medium">Launched</th>
                      <th scope="col" className="px-4 py-2 font-medium"><span className="sr-only">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((entry) => (
                      <tr key={entry.id} className="border-t border-stone-100 align-top dark:border-stone-800" data-testid="library-entry">
                        <td className="px-4 py-3 font-mono text-xs">
                          <span className="font-sans text-sm">{entry.requestedRef}</span>
                          <br />
                          {entry.resolvedRef.slice(0, 12)}
                        </td>
                        <td className="px-2 py-3">
                          {entry.cleaned ? (
                            <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_BADGE.cancelled}`}>cleaned up</span>
                          ) : entry.status === "built" ? (
                            <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_BADGE.built}`}>built</span>
                          ) : (
                            <Link href={`/builds/${entry.buildId}`} className={`rounded-full px-2 py-0.5 text-xs underline-offset-2 hover:underline ${STATUS_BADGE[entry.status] ?? "bg-kiln-100 text-kiln-700"}`}>
                              {entry.status === "failed" || entry.status === "cancelled" ? entry.status : "building"} · log
                            </Link>
                          )}
                        </td>
                        <td className="px-2 py-3">{formatDateTime(entry.builtAt)}</td>
                        <td className="px-2 py-3">{formatSize(entry.sizeBytes)}</td>
                        <td className="px-2 py-3">
                          {view === "shared" ? entry.owner : <VisibilityLabel entry={entry} />}
                          {entry.isOwner && entry.moderationNote && (
                            <p role="note" className="mt-1 max-w-xs text-xs text-amber-800 dark:text-amber-300" data-testid="moderation-note">
                              {entry.moderationNote}
                            </p>
                          )}
                        </td>
                        <td className="px-2 py-3">
                          {entry.launchCount ? `${entry.launchCount}× · ${formatDateTime(entry.lastLaunchedAt)}` : "never"}
                        </td>
                        <td className="space-y-2 px-4 py-3">
                          {entry.cleaned && entry.isOwner && (
                            <button type="button" disabled={rebuildEntry.isPending} onClick={() => rebuildEntry.mutate(entry.id)} className="rounded-md border border-kiln-600 px-3 py-1 text-sm font-medium text-kiln-700 hover:bg-kiln-50 dark:text-kiln-500 dark:hover:bg-stone-800">
                              Rebuild
                            </button>
                          )}
                          {entry.status === "built" && !entry.cleaned && <LaunchButton entryId={entry.id} />}
                          {entry.status === "built" && !entry.cleaned && (
                            <ShareDisclosure
                              spec={entry.spec}
                              requestedRef={entry.requestedRef}
                              resolvedRef={entry.resolvedRef}
                              openPath={entry.path}
                              isPrivate={entry.isOwner && entry.visibility === "private"}
                            />
                          )}
                          {entry.isOwner && (
                            <div className="flex flex-wrap gap-2 text-xs">
                              {entry.status === "built" && !entry.cleaned && (
                                <button type="button" onClick={() => share.mutate({ id: entry.id, to: entry.visibility === "private" ? "shared" : "private" })} className="underline underline-offset-2">
                                  {entry.visibility === "shared" ? "Make private" : entry.visibility === "pending" ? "Withdraw from review" : "Share with everyone"}
                                </button>
                              )}
                              <button
                                type="button"
                                onClick={() => {
                                  if (window.confirm(`Delete ${first.displayName} at ${entry.resolvedRef.slice(0, 12)} from your library?`)) remove.mutate(entry.id);
                                }}
                                className="text-red-700 underline underline-offset-2 dark:text-red-400"
                              >
                                Delete
                              </button>
                            </div>
                          )}
                          {!entry.isOwner && view === "shared" && <ReportForm entryId={entry.id} name={`${entry.displayName} @ ${entry.requestedRef}`} />}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function VisibilityLabel({ entry }: { entry: LibraryEntryView }) {
  if (entry.hidden) return <span className="text-amber-800 dark:text-amber-300">hidden by a moderator</span>;
  if (entry.visibility === "pending") return <span className="text-amber-800 dark:text-amber-300">waiting for review</span>;
  return <>{entry.visibility}{entry.featured ? " · featured" : ""}</>;
}

/** Any person can tell the moderators that a shared image is wrong; they are told what was done. */
function ReportForm({ entryId, name }: { entryId: number; name: string }) {
  const [reason, setReason] = useState("");
  const report = useMutation({ mutationFn: () => postReport(entryId, reason) });
  if (report.isSuccess) return <p role="status" className="text-xs text-stone-700 dark:text-stone-300">{report.data}</p>;
  return (
    <details className="text-xs">
      <summary className="cursor-pointer underline underline-offset-2">Report</summary>
      <form
        className="mt-2 space-y-2"
        onSubmit={(event) => {
          event.preventDefault();
          report.mutate();
        }}
      >
        <label className="block">
          <span className="block">What is wrong with {name}?</span>
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} required minLength={5} maxLength={1000} rows={3} className="mt-1 w-full min-w-48 rounded-md border border-stone-300 bg-white p-1.5 dark:border-stone-700 dark:bg-stone-950" />
        </label>
        {report.isError && <p role="alert" className="text-red-700 dark:text-red-400">{report.error.message}</p>}
        <button type="submit" disabled={report.isPending} className="rounded-md bg-stone-900 px-3 py-1 font-medium text-white dark:bg-stone-100 dark:text-stone-900">
          Send report
        </button>
      </form>
    </details>
  );
}
