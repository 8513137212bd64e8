"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { basePath } from "@/lib/api/base-path";
import { adminKeys, auditExportPath, fetchAudit } from "@/lib/admin/queries";
import { auditActions, auditOutcomes } from "@/lib/audit/actions";
import type { AuditQuery } from "@/lib/audit/schema";
import { formatDateTime } from "@/lib/format";
import { inputClass, quietButtonClass } from "./ui";

/** Who did what, to what, and how it went: filtered, paged, exported as CSV or JSON lines. */
export function AuditLog() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState<AuditQuery["action"]>();
  const [outcome, setOutcome] = useState<AuditQuery["outcome"]>();
  const [search, setSearch] = useState("");
  const filter: Omit<AuditQuery, "before"> = { actor: useDeferredValue(actor) || undefined, action, outcome, q: useDeferredValue(search) || undefined };
  const log = useInfiniteQuery({
    queryKey: adminKeys.audit(filter),
    queryFn: ({ pageParam }) => fetchAudit({ ...filter, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: "",
    getNextPageParam: (page) => page.nextBefore ?? undefined,
    refetchInterval: 15_000,
  });
  const events = log.data?.pages.flatMap((page) => page.events) ?? [];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-xs">Who</span>
          <input className={inputClass} value={actor} onChange={(e) => setActor(e.target.value)} placeholder="user name" />
        </label>
        <label className="text-sm">
          <span className="block text-xs">Action</span>
          <select className={inputClass} value={action ?? ""} onChange={(e) => setAction((e.target.value || undefined) as AuditQuery["action"])}>
            <option value="">any</option>
            {auditActions.map((a) => (
              <option key={a} value={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block text-xs">Outcome</span>
          <select className={inputClass} value={outcome ?? ""} onChange={(e) => setOutcome((e.target.value || undefined) as AuditQuery["outcome"])}>
            <option value="">any</option>
            {auditOutcomes.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block text-xs">Target or reason contains</span>
          <input type="search" className={inputClass} value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <div className="ml-auto flex gap-2 text-sm">
          <a className={quietButtonClass} href={`${basePath}${auditExportPath(filter, "csv")}`} download>Export CSV</a>
          <a className={quietButtonClass} href={`${basePath}${auditExportPath(filter, "jsonl")}`} download>Export JSON lines</a>
        </div>
      </div>
      {log.isPending ? (
        <p className="text-sm">Loading the audit log…</p>
      ) : log.isError ? (
        <p role="alert" className="text-red-700 dark:text-red-400">{log.error.message}</p>
      ) : events.length === 0 ? (
        <p className="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600 dark:border-stone-700 dark:text-stone-400">No event matches.</p>
      ) : (
        <div tabIndex={0} role="region" aria-label="Audit events, scrollable" className="overflow-x-auto rounded-xl border border-stone-200 bg-white dark:border-stone-800 dark:bg-stone-900">
          <table className="w-full text-left text-sm" data-testid="audit-log">
            <caption className="sr-only">Audit log, newest first</caption>
            <thead className="text-xs text-stone-600 dark:text-stone-400">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">When</th>
                <th scope="col" className="px-3 py-2 font-medium">Who</th>
                <th scope="col" className="px-3 py-2 font-medium">Action</th>
                <th scope="col" className="px-3 py-2 font-medium">On what</th>
                <th scope="col" className="px-3 py-2 font-medium">Outcome</th>
                <th scope="col" className="px-3 py-2 font-medium">Reason</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id} className="border-t border-stone-100 align-top dark:border-stone-800" data-testid="audit-event">
                  <td className="whitespace-nowrap px-3 py-2">{formatDateTime(event.at)}</td>
                  <td className="px-3 py-2">{event.actor}</td>
                  <td className="px-3 py-2 font-mono text-xs">{event.action}</td>
                  <td className="break-all px-3 py-2">{event.target}</td>
                  <td className={`px-3 py-2 ${event.outcome === "ok" ? "" : "font-medium text-red-700 dark:text-red-400"}`}>{event.outcome}</td>
                  <td className="break-words px-3 py-2">{event.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage && (
        <button type="button" className={quietButtonClass} disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          Older events
        </button>
      )}
    </div>
  );
}
