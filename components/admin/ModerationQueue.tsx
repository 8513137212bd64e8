"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { adminKeys, dismissReport, fetchModerated, postModeration } from "@/lib/admin/queries";
import { formatDateTime } from "@/lib/format";
import { moderationFilters } from "@/lib/moderation/filters";
import type { ModeratedEntry, ModerationAction, ModerationQuery } from "@/lib/moderation/schema";
import { buttonClass, formatBytes, inputClass, Notice } from "./ui";

const FILTER_LABELS: Record<ModerationQuery["filter"], string> = { all: "All", pending: "Waiting for review", reported: "Reported", hidden: "Hidden", featured: "Featured" };

/** Every shared image with its reports, and the moderator's actions, each with a reason. */
export function ModerationQueue() {
  const [filter, setFilter] = useState<ModerationQuery["filter"]>("all");
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search);
  const query: ModerationQuery = { filter, q: q || undefined };
  const entries = useQuery({ queryKey: adminKeys.shared(query), queryFn: () => fetchModerated(query), refetchInterval: 15_000 });
  // Kept outside the cards: an action often takes its card out of the filtered list.
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <div role="group" aria-label="Show" className="flex flex-wrap gap-1">
          {moderationFilters.map((value) => (
            <button key={value} type="button" aria-pressed={filter === value} onClick={() => setFilter(value)} className={`rounded-md px-3 py-1.5 text-sm font-medium ${filter === value ? "bg-stone-900 text-white dark:bg-stone-100 dark:text-stone-900" : "hover:bg-stone-100 dark:hover:bg-stone-800"}`}>
              {FILTER_LABELS[value]}
            </button>
          ))}
        </div>
        <label className="ml-auto text-sm">
          <span className="sr-only">Search shared images</span>
          <input type="search" className={`${inputClass} w-56`} placeholder="Repository or owner" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
      </div>
      <div data-testid="moderation-notice">
        <Notice text={notice?.text ?? null} error={notice?.error} />
      </div>
      {entries.isPending ? (
        <p className="text-stone-600 dark:text-stone-400">Loading shared images…</p>
      ) : entries.isError ? (
        <p role="alert" className="text-red-700 dark:text-red-400">{entries.error.message}</p>
      ) : entries.data.length === 0 ? (
        <p className="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600 dark:border-stone-700 dark:text-stone-400">
          {filter === "all" && !q ? "Nobody shares an image yet. Shared images, and reports about them, appear here." : "Nothing matches."}
        </p>
      ) : (
        <ul className="space-y-4" aria-label="Shared images">
          {entries.data.map((entry) => (
            <ModeratedCard key={entry.entryId} entry={entry} onNotice={setNotice} />
          ))}
        </ul>
      )}
    </div>
  );
}

type ActionName = ModerationAction["action"];
const ACTION_LABELS: Record<ActionName, string> = {
  approve: "Approve",
  reject: "Do not approve",
  unshare: "Unshare",
  hide: "Hide from the shared view",
  unhide: "Show in the shared view again",
  delete: "Delete",
  ban: "Ban its repository",
  feature: "Feature on the Launch page",
  unfeature: "Stop featuring",
};

function actionsFor(entry: ModeratedEntry): ActionName[] {
  if (entry.visibility === "pending") return ["approve", "reject", "delete", "ban"];
  return [entry.hidden ? "unhide" : "hide", "unshare", entry.featured ? "unfeature" : "feature", "delete", "ban"].filter((a) => !(a === "feature" && entry.hidden)) as ActionName[];
}

function ModeratedCard({ entry, onNotice: setNotice }: { entry: ModeratedEntry; onNotice: (notice: { text: string; error?: boolean }) => void }) {
  const client = useQueryClient();
  const actions = actionsFor(entry);
  const [chosen, setAction] = useState<ActionName>(actions[0]!);
  // After an action the card's choices change (Hide becomes Show again): never submit a stale one.
  const action = actions.includes(chosen) ? chosen : actions[0]!;
  const [reason, setReason] = useState("");
  const [stopServers, setStopServers] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.all });
  const act = useMutation({
    mutationFn: () => {
      const body =
        action === "feature" ? { action, description: reason } :
        action === "delete" ? { action, reason, stopServers } :
        { action, reason };
      return postModeration(entry.entryId, body as ModerationAction);
    },
    onSuccess: (message) => {
      setNotice({ text: `${name}: ${message}` });
      setReason("");
      void refresh();
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  const dismiss = useMutation({
    mutationFn: ({ id, why }: { id: number; why: string }) => dismissReport(id, why),
    onSuccess: (message) => {
      setNotice({ text: message });
      void refresh();
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  const name = `${entry.displayName} @ ${entry.requestedRef}`;
  const chip = "rounded-full px-2 py-0.5 text-xs font-medium";
  return (
    <li className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900" data-testid="moderated-entry" aria-label={name}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="break-all font-semibold">{entry.displayName}</h3>
          <p className="break-all text-xs text-stone-600 dark:text-stone-400">
            {entry.requestedRef} · {entry.resolvedRef.slice(0, 12)} · {entry.spec}
          </p>
        </div>
        <div className="flex flex-wrap gap-1">
          {entry.visibility === "pending" && <span className={`${chip} bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200`}>waiting for review</span>}
          {entry.hidden && <span className={`${chip} bg-stone-200 dark:bg-stone-800`}>hidden</span>}
          {entry.featured && <span className={`${chip} bg-kiln-100 text-kiln-700 dark:bg-kiln-700/30 dark:text-kiln-100`}>featured</span>}
          {entry.banned && <span className={`${chip} bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300`}>banned</span>}
          {entry.reports.length > 0 && <span className={`${chip} bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300`}>{entry.reports.length} report{entry.reports.length === 1 ? "" : "s"}</span>}
        </div>
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
        <div><dt className="text-xs text-stone-600 dark:text-stone-400">Owner</dt><dd>{entry.owner}</dd></div>
        <div><dt className="text-xs text-stone-600 dark:text-stone-400">Size</dt><dd>{formatBytes(entry.sizeBytes)}</dd></div>
        <div><dt className="text-xs text-stone-600 dark:text-stone-400">Launches</dt><dd>{entry.launchCount}</dd></div>
        <div><dt className="text-xs text-stone-600 dark:text-stone-400">Shared</dt><dd>{formatDateTime(entry.sharedAt)}</dd></div>
      </dl>
      {entry.featuredDescription && <p className="mt-2 text-sm italic">“{entry.featuredDescription}”</p>}
      {entry.reports.length > 0 && (
        <div className="mt-3">
          <h4 className="text-sm font-semibold">Reports</h4>
          <ul className="mt-1 space-y-2">
            {entry.reports.map((report) => (
              <li key={report.id} className="rounded-md bg-red-50 p-2 text-sm dark:bg-red-950/40" data-testid="report">
                <p className="break-words">“{report.reason}”</p>
                <p className="mt-1 flex flex-wrap items-center gap-3 text-xs text-stone-600 dark:text-stone-400">
                  {report.reporter}, {formatDateTime(report.createdAt)}
                  <button
                    type="button"
                    className="underline underline-offset-2"
                    onClick={() => {
                      const why = window.prompt(`Why leave ${name} as it is? ${report.reporter} reads this.`);
                      if (why) dismiss.mutate({ id: report.id, why });
                    }}
                  >
                    Dismiss
                  </button>
                </p>
              </li>
            ))}
          </ul>
        </div>
      )}
      <form
        className="mt-3 flex flex-wrap items-end gap-2 border-t border-stone-100 pt-3 dark:border-stone-800"
        onSubmit={(event) => {
          event.preventDefault();
          act.mutate();
        }}
      >
        <label className="text-sm">
          <span className="block text-xs text-stone-600 dark:text-stone-400">Action</span>
          <select className={inputClass} value={action} onChange={(e) => setAction(e.target.value as ActionName)}>
            {actions.map((a) => (
              <option key={a} value={a}>{ACTION_LABELS[a]}</option>
            ))}
          </select>
        </label>
        <label className="min-w-48 flex-1 text-sm">
          <span className="block text-xs text-stone-600 dark:text-stone-400">{action === "feature" ? "Description for newcomers" : "Reason (the owner reads it)"}</span>
          <input className={`${inputClass} w-full`} value={reason} onChange={(e) => setReason(e.target.value)} required={!["approve", "unhide", "unfeature"].includes(action)} minLength={3} maxLength={action === "feature" ? 300 : 500} />
        </label>
        {action === "delete" && (
          <label className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={stopServers} onChange={(e) => setStopServers(e.target.checked)} />
            stop the servers running it
          </label>
        )}
        <button type="submit" disabled={act.isPending} className={action === "delete" || action === "ban" ? buttonClass.replace("bg-stone-900", "bg-red-700") : buttonClass}>
          {ACTION_LABELS[action]}
        </button>
        <span className="sr-only">{name}</span>
      </form>
    </li>
  );
}
