"use client";

import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { postBuild } from "@/lib/builds/client";
import { formatDateTime, formatSize, shortVersion } from "@/lib/format";
import { deleteLibraryEntry, fetchLibraryPage, fetchLibraryUpdates, libraryKeys, patchVisibility, postRebuild, type LibraryFilter } from "@/lib/library/client";
import type { LibraryEntryView, LibraryQuery, LibraryResponse } from "@/lib/library/schema";
import { providerLabels } from "@/lib/repos/providers";
import { postReport } from "@/lib/moderation/client";
import { cardCell, cardHead, cardRow, cardTable } from "./card-table";
import { EmptyState } from "./EmptyState";
import { LaunchButton } from "./LaunchButton";
import { ImageDetails } from "./ImageDetails";
import { ShareDisclosure } from "./ShareLinks";
import { Tabs } from "./Tabs";

/** Repositories per page: a long library pages instead of rendering every row. */
const PAGE_SIZE = 20;

const STATUS_BADGE: Record<string, string> = {
  built: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300",
  failed: "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300",
  cancelled: "bg-stone-200 text-stone-700 dark:bg-stone-800 dark:text-stone-300",
};


export function LibraryView({ initialSearch = "", initialView = "mine" }: { initialSearch?: string; initialView?: "mine" | "shared" }) {
  const [view, setView] = useState<"mine" | "shared">(initialView);
  const [search, setSearch] = useState(initialSearch);
  const [status, setStatus] = useState<LibraryQuery["status"]>();
  const [visibility, setVisibility] = useState<LibraryQuery["visibility"]>();
  const [notice, setNotice] = useState<string | null>(null);
  const q = useDeferredValue(search);
  const filter: LibraryFilter = { view, q: q || undefined, status, visibility: view === "mine" ? visibility : undefined };
  // Pages of entries from the server, newest first; more are read as the reader pages on.
  // The current results stay on screen while a new search loads.
  // Only within one tab: the other tab's rows (and columns) never stand in for this one's.
  const library = useInfiniteQuery({
    queryKey: libraryKeys.list(filter),
    queryFn: ({ pageParam }) => fetchLibraryPage(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1]?.view === view ? keepPreviousData(previous) : undefined),
  });
  const loaded = useMemo(() => library.data?.pages.flatMap((page) => page.entries), [library.data]);
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [view, q, status, visibility]);
  const updates = useQuery({ queryKey: libraryKeys.updates(), queryFn: fetchLibraryUpdates, enabled: view === "mine", staleTime: 60_000 });
  const router = useRouter();
  const rebuild = useMutation({
    mutationFn: (spec: string) => postBuild({ repository: spec, ref: "", path: "" }),
    onSuccess: (result) => router.push(`/builds/${result.build.id}`),
    onError: (error) => setNotice(error.message),
  });
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: libraryKeys.all });
  /** Puts a changed (or removed) entry into every cached list at once, before the lists are read again. */
  const updateCached = (id: number, replace: (entry: LibraryEntryView) => LibraryEntryView | null) =>
    client.setQueriesData<InfiniteData<LibraryResponse, string | null>>({ queryKey: libraryKeys.all }, (data) =>
      data && "pages" in data
        ? { ...data, pages: data.pages.map((page) => ({ ...page, entries: page.entries.flatMap((entry) => (entry.id === id ? (replace(entry) ?? []) : [entry])) })) }
        : data,
    );

  const rebuildEntry = useMutation({
    mutationFn: postRebuild,
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
      updateCached(entry.id, () => entry);
      void refresh();
    },
    onError: (error) => setNotice(error.message),
  });
  const remove = useMutation({
    mutationFn: (id: number) => deleteLibraryEntry(id),
    onSuccess: (result, id) => {
      setNotice(result.message);
      updateCached(id, () => null);
      void refresh();
    },
    onError: (error) => setNotice(error.message),
  });

  const groups = useMemo(() => {
    const map = new Map<string, LibraryEntryView[]>();
    for (const entry of loaded ?? []) {
      const key = `${entry.provider} ${entry.repoUrl}`;
      map.set(key, [...(map.get(key) ?? []), entry]);
    }
    return [...map.values()];
  }, [loaded]);
  const pages = Math.max(1, Math.ceil(groups.length / PAGE_SIZE));
  // Deleting the last repository of the last page moves back a page rather than showing none.
  const current = Math.min(page, pages - 1);
  const shown = groups.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = library;
  // The page asked for (past what is loaded, after Next) or in view and short is filled from the
  // server first; only the last page is ever short.
  const wantMore = (page >= pages || shown.length < PAGE_SIZE) && hasNextPage && !isFetchingNextPage;
  useEffect(() => {
    if (wantMore) void fetchNextPage();
  }, [wantMore, fetchNextPage]);
  const select = "rounded-md border border-stone-300 bg-white px-2 py-1.5 text-sm dark:border-stone-700 dark:bg-stone-900";

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-3">
        <Tabs
          label="Whose images"
          selected={view}
          onSelect={setView}
          controls="library-panel"
          tabs={[
            { value: "mine", label: "My images" },
            { value: "shared", label: "Shared with everyone" },
          ]}
        />
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

      <div id="library-panel" role="tabpanel" aria-labelledby={`tab-${view}`} aria-busy={library.isFetching} className="space-y-4">
      {library.isPending || (groups.length === 0 && hasNextPage) ? (
        <p className="text-stone-700 dark:text-stone-300">Loading your library…</p>
      ) : library.isError ? (
        <p role="alert" className="text-red-700 dark:text-red-400">{library.error.message}</p>
      ) : groups.length === 0 ? (
        view === "mine" && !q && !status && !visibility ? (
          <EmptyState title="Your library is empty" action={<Link href="/" className="inline-block rounded-md bg-kiln-700 px-4 py-2 font-medium text-white hover:bg-kiln-800">Build your first environment</Link>}>
            <p>Build a repository from Launch and its image appears here, ready to launch with your files.</p>
          </EmptyState>
        ) : (
          <EmptyState title={view === "shared" ? "Nothing shared matches" : "Nothing matches"}>
            <p>{view === "shared" ? "When people share images with everyone, they appear here." : "Try another search or filter."}</p>
          </EmptyState>
        )
      ) : (
        <>
        <ul className="space-y-4" aria-label="Repositories">
          {shown.map((entries) => {
            const first = entries[0]!;
            const latest = latestBuilt(entries);
            const sharedEarlier = entries.some((entry) => entry.isOwner && entry.visibility !== "private" && entry.id !== latest?.id);
            const rebuilding = entries.some((entry) => !["built", "failed", "cancelled"].includes(entry.status));
            return (
              <li key={`${first.provider}${first.repoUrl}`} className="rounded-xl border border-stone-200 bg-white dark:border-stone-800 dark:bg-stone-900" data-testid="library-repo">
                <div className="flex flex-wrap items-end justify-between gap-2 border-b border-stone-200 px-4 py-3 dark:border-stone-800">
                  <div className="min-w-0">
                    <p className="text-xs text-stone-600 dark:text-stone-400">{providerLabels[first.provider]}</p>
                    <h2 className="break-words font-semibold">{first.displayName}</h2>
                  </div>
                  {view === "mine" &&
                    !rebuilding &&
                    updates.data
                      ?.filter((update) => entries.some((entry) => entry.spec === update.spec) && !entries.some((entry) => entry.resolvedRef === update.latestRef))
                      .map((update) => (
                        <div key={update.spec} className="flex flex-wrap items-center gap-3 text-sm" data-testid="library-update">
                          <span className="text-kiln-800 dark:text-kiln-400">
                            New commits available on {update.requestedRef}: {update.currentRef.slice(0, 7)} → {update.latestRef.slice(0, 7)}
                          </span>
                          <button type="button" disabled={rebuild.isPending} onClick={() => rebuild.mutate(update.spec)} className="rounded-md border border-kiln-700 px-3 py-1 font-medium text-kiln-800 hover:bg-kiln-50 dark:text-kiln-400 dark:hover:bg-stone-800">
                            Rebuild at {update.requestedRef}
                          </button>
                        </div>
                      ))}
                </div>
                <table className={cardTable}>
                  <caption className="sr-only">Versions of {first.displayName}</caption>
                  <colgroup>
                    <col className="w-[22%]" />
                    <col className="w-[11%]" />
                    <col className="w-[14%]" />
                    <col className="w-[8%]" />
                    <col className="w-[13%]" />
                    <col className="w-[12%]" />
                    <col className="w-[20%]" />
                  </colgroup>
                  <thead className={cardHead}>
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
                  <tbody className="max-sm:block">
                    {entries.map((entry) => (
                      <tr key={entry.id} className={cardRow} data-testid="library-entry" data-latest={entry.id === latest?.id || undefined}>
                        <td className={`${cardCell} pl-4`} data-label="Version">
                          <span className="break-words">{entry.requestedRef}</span>{" "}
                          <code className="text-xs">{shortVersion(entry.resolvedRef)}</code>
                          {entry.id === latest?.id && entries.length > 1 && (
                            <span className="ml-1 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200">latest</span>
                          )}
                        </td>
                        <td className={cardCell} data-label="Status">
                          {entry.cleaned ? (
                            <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_BADGE.cancelled}`}>cleaned up</span>
                          ) : (
                            <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_BADGE[entry.status] ?? "bg-kiln-100 text-kiln-800 dark:bg-kiln-700/30 dark:text-kiln-100"}`}>
                              {entry.status === "built" || entry.status === "failed" || entry.status === "cancelled" ? entry.status : "building"}
                            </span>
                          )}{" "}
                          <Link href={`/builds/${entry.buildId}`} className="text-xs underline underline-offset-2" data-testid="entry-build-log">
                            build log
                          </Link>
                        </td>
                        <td className={cardCell} data-label="Built">{formatDateTime(entry.builtAt)}</td>
                        <td className={cardCell} data-label="Size">{formatSize(entry.sizeBytes)}</td>
                        <td className={cardCell} data-label={view === "shared" ? "Shared by" : "Visibility"}>
                          {view === "shared" ? entry.owner : <VisibilityLabel entry={entry} />}
                          {entry.isOwner && entry.moderationNote && (
                            <p role="note" className="mt-1 max-w-xs text-xs text-amber-800 dark:text-amber-300" data-testid="moderation-note">
                              {entry.moderationNote}
                            </p>
                          )}
                        </td>
                        <td className={cardCell} data-label="Launched">
                          {entry.launchCount ? `${entry.launchCount}× · ${formatDateTime(entry.lastLaunchedAt)}` : "never"}
                        </td>
                        <td className="space-y-2 px-4 py-3 max-sm:block">
                          {entry.cleaned && entry.isOwner && (
                            <button type="button" disabled={rebuildEntry.isPending} onClick={() => rebuildEntry.mutate(entry.id)} className="rounded-md border border-kiln-700 px-3 py-1 text-sm font-medium text-kiln-800 hover:bg-kiln-50 dark:text-kiln-400 dark:hover:bg-stone-800">
                              Rebuild
                            </button>
                          )}
                          {entry.status === "built" && !entry.cleaned && <LaunchButton entryId={entry.id} />}
                          {view === "mine" && entry.id === latest?.id && sharedEarlier && entry.visibility === "private" && entry.status === "built" && (
                            <KeepSharing entry={entry} onShare={() => share.mutate({ id: entry.id, to: "shared" })} />
                          )}
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
                                  if (window.confirm(`Delete ${first.displayName} at ${shortVersion(entry.resolvedRef)} from your library?`)) remove.mutate(entry.id);
                                }}
                                className="text-red-700 underline underline-offset-2 dark:text-red-400"
                              >
                                Delete
                              </button>
                            </div>
                          )}
                          {entry.status === "built" && <ImageDetails imageName={entry.imageName} />}
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
        {(pages > 1 || hasNextPage) && (
          <nav aria-label="Library pages" className="flex flex-wrap items-center justify-center gap-3 text-sm">
            <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)} className="rounded-md border border-stone-300 px-3 py-1.5 disabled:opacity-50 dark:border-stone-700">
              Previous
            </button>
            <span aria-live="polite">
              {/* Until the last entries are read, the count is a lower bound. */}
              Page {current + 1} of {pages}
              {hasNextPage ? " or more" : ""} · {groups.length}
              {hasNextPage ? "+" : ""} repositories
            </span>
            <button
              type="button"
              disabled={(current >= pages - 1 && !hasNextPage) || isFetchingNextPage}
              onClick={() => setPage(current + 1)}
              className="rounded-md border border-stone-300 px-3 py-1.5 disabled:opacity-50 dark:border-stone-700"
            >
              Next
            </button>
          </nav>
        )}
        </>
      )}
      </div>
    </div>
  );
}

/** The newest built version of a repository: what "latest" marks. */
function latestBuilt(entries: LibraryEntryView[]): LibraryEntryView | undefined {
  return entries
    .filter((entry) => entry.status === "built" && entry.builtAt)
    .reduce<LibraryEntryView | undefined>((newest, entry) => (!newest || entry.builtAt! > newest.builtAt! ? entry : newest), undefined);
}

/** A new version of a repository whose earlier version is shared: share it too, or keep it private (remembered). */
function KeepSharing({ entry, onShare }: { entry: LibraryEntryView; onShare: () => void }) {
  const key = `kiln:keep-private:${entry.id}`;
  const [dismissed, setDismissed] = useState(true);
  useEffect(() => setDismissed(window.localStorage.getItem(key) === "1"), [key]);
  if (dismissed) return null;
  return (
    <div role="group" aria-label="Sharing of this version" className="rounded-md border border-amber-300 bg-amber-50 p-2 text-xs dark:border-amber-800 dark:bg-amber-950" data-testid="keep-sharing">
      <p>An earlier version is shared with everyone. Share this version too?</p>
      <div className="mt-1 flex flex-wrap gap-2">
        <button type="button" onClick={onShare} className="rounded border border-stone-400 bg-white px-2 py-0.5 font-medium text-stone-900 dark:border-stone-600 dark:bg-stone-900 dark:text-stone-100">
          Share this version
        </button>
        <button
          type="button"
          onClick={() => {
            window.localStorage.setItem(key, "1");
            setDismissed(true);
          }}
          className="underline underline-offset-2"
        >
          Keep it private
        </button>
      </div>
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
