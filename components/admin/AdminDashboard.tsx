"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { adminKeys, fetchCleanupPreview, fetchDashboard, postCleanup } from "@/lib/admin/queries";
import { postCancel } from "@/lib/builds/client";
import { formatDateTime } from "@/lib/format";
import { buttonClass, formatBytes, inputClass, Notice, Panel, quietButtonClass } from "./ui";

/** The queue, the disk and who uses it; refreshed every few seconds while open. */
export function AdminDashboard() {
  const client = useQueryClient();
  const data = useQuery({ queryKey: adminKeys.dashboard(), queryFn: fetchDashboard, refetchInterval: 5000 });
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const cancel = useMutation({
    mutationFn: postCancel,
    onSuccess: (build) => {
      setNotice({ text: `Cancelling the build of ${build.displayName}.` });
      void client.invalidateQueries({ queryKey: adminKeys.dashboard() });
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  if (data.isPending) return <p className="text-stone-600 dark:text-stone-400">Loading the dashboard…</p>;
  if (data.isError) return <p role="alert" className="text-red-700 dark:text-red-400">{data.error.message}</p>;
  const d = data.data;
  const stat = (label: string, value: string | number, testId: string) => (
    <div className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900">
      <dt className="text-sm text-stone-600 dark:text-stone-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold" data-testid={testId}>{value}</dd>
    </div>
  );
  return (
    <div className="space-y-6">
      <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {stat("People who have signed in", d.users, "admin-user-count")}
        {stat("Images in libraries", `${d.library.images} · ${formatBytes(d.library.bytes)}`, "admin-library-size")}
        {stat(d.engine?.where === "registry" ? "Registry disk used by Kiln’s images" : "Engine disk used by Kiln’s images", d.engine ? `${formatBytes(d.engine.bytes)} (${d.engine.images})` : "measuring…", "admin-engine-disk")}
        {stat("Shared · waiting · reports", `${d.library.shared} · ${d.library.pendingReview} · ${d.library.openReports}`, "admin-moderation-counts")}
      </dl>
      <Notice text={notice?.text ?? null} error={notice?.error} />
      <Panel title="Build queue">
        {d.queue.length === 0 ? (
          <p className="text-sm text-stone-600 dark:text-stone-400">No build is running or waiting.</p>
        ) : (
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Build queue, scrollable">
            <table className="w-full text-left text-sm" data-testid="build-queue">
              <thead className="text-xs text-stone-600 dark:text-stone-400">
                <tr>
                  <th scope="col" className="py-1 pr-3 font-medium">Repository</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Asked by</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Status</th>
                  <th scope="col" className="py-1 pr-3 font-medium">Since</th>
                  <th scope="col" className="py-1 font-medium"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {d.queue.map((build) => (
                  <tr key={build.buildId} className="border-t border-stone-100 dark:border-stone-800" data-testid="queue-row">
                    <td className="py-2 pr-3">
                      <Link href={`/builds/${build.buildId}`} className="break-all underline underline-offset-2">{build.displayName}</Link> @ {build.requestedRef}
                    </td>
                    <td className="py-2 pr-3">{build.requester}</td>
                    <td className="py-2 pr-3">{build.position !== null ? `queued, #${build.position}` : build.status}</td>
                    <td className="py-2 pr-3">{formatDateTime(build.startedAt ?? build.createdAt)}</td>
                    <td className="py-2">
                      <button type="button" className={quietButtonClass} disabled={cancel.isPending} onClick={() => cancel.mutate(build.buildId)} aria-label={`Cancel the build of ${build.displayName}`}>
                        Cancel
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      <div className="grid gap-6 lg:grid-cols-2">
        <Panel title="Biggest images">
          <ImageList rows={d.biggest.map((r) => ({ key: r.buildId, label: `${r.displayName} @ ${r.requestedRef}`, value: `${formatBytes(r.sizeBytes)} · ${r.owners} ${r.owners === 1 ? "library" : "libraries"}` }))} />
        </Panel>
        <Panel title="Oldest images">
          <ImageList rows={d.oldest.map((r) => ({ key: r.buildId, label: `${r.displayName} @ ${r.requestedRef}`, value: `built ${formatDateTime(r.builtAt)} · last launched ${formatDateTime(r.lastLaunchedAt)}` }))} />
        </Panel>
        <Panel title="Most launched repositories">
          <ImageList rows={d.mostLaunched.map((r) => ({ key: `${r.provider}${r.displayName}`, label: r.displayName, value: `${r.launches} launches` }))} />
        </Panel>
        <Panel title="People by storage">
          <ImageList rows={d.usersByStorage.map((r) => ({ key: r.user, label: r.user, value: `${formatBytes(r.bytes)} in ${r.images} images` }))} />
        </Panel>
      </div>
      <CleanupPanel />
    </div>
  );
}

function ImageList({ rows }: { rows: { key: string; label: string; value: string }[] }) {
  if (!rows.length) return <p className="text-sm text-stone-600 dark:text-stone-400">Nothing yet.</p>;
  return (
    <ol className="space-y-1 text-sm">
      {rows.map((row) => (
        <li key={row.key} className="flex flex-wrap justify-between gap-2">
          <span className="break-all">{row.label}</span>
          <span className="text-stone-600 dark:text-stone-400">{row.value}</span>
        </li>
      ))}
    </ol>
  );
}

/** The clean-up policy's dry run, and running it now. */
function CleanupPanel() {
  const client = useQueryClient();
  const [days, setDays] = useState<number | null>(null);
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const preview = useQuery({ queryKey: adminKeys.cleanup(days), queryFn: () => fetchCleanupPreview(days) });
  const run = useMutation({
    mutationFn: () => postCleanup(days),
    onSuccess: (result) => {
      setNotice({ text: `Removed ${result.removed.length} image${result.removed.length === 1 ? "" : "s"}.${result.skipped.length ? ` Kept ${result.skipped.length}: ${result.skipped.map((s) => `${s.image} (${s.why})`).join("; ")}.` : ""}` });
      void client.invalidateQueries({ queryKey: adminKeys.all });
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  const candidates = preview.data?.candidates ?? [];
  return (
    <Panel title="Clean-up">
      <p className="mb-3 text-sm text-stone-600 dark:text-stone-400">
        Private images nobody launched for the number of days below are removed from the engine; their owners are told and can rebuild them with one click.
        {preview.data && (preview.data.enabled ? " The scheduled clean-up is on (Policy)." : " The scheduled clean-up is off; turn it on under Policy, or run it here.")}
      </p>
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          Not launched for (days)
          <input type="number" min={1} max={3650} className={`${inputClass} ml-2 w-24`} value={days ?? preview.data?.unusedDays ?? ""} onChange={(e) => setDays(e.target.value ? Number(e.target.value) : null)} />
        </label>
      </div>
      <div className="mt-3" data-testid="cleanup-preview">
        {preview.isPending ? (
          <p className="text-sm">Listing…</p>
        ) : preview.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">{preview.error.message}</p>
        ) : candidates.length === 0 ? (
          <p className="text-sm text-stone-600 dark:text-stone-400">Nothing to clean up: every image was launched or shared recently.</p>
        ) : (
          <>
            <p className="text-sm">Dry run: these {candidates.length} images would be removed.</p>
            <ul className="mt-2 space-y-1 text-sm">
              {candidates.map((c) => (
                <li key={c.buildId} data-testid="cleanup-candidate">
                  <span className="break-all font-medium">{c.displayName} @ {c.requestedRef}</span> · {c.owners.join(", ")} · last used {formatDateTime(c.lastUsedAt)} · {formatBytes(c.sizeBytes)}
                </li>
              ))}
            </ul>
            <button
              type="button"
              className={`${buttonClass} mt-3`}
              disabled={run.isPending}
              onClick={() => {
                if (window.confirm(`Remove ${candidates.length} images now?`)) run.mutate();
              }}
            >
              Remove these images now
            </button>
          </>
        )}
      </div>
      <Notice text={notice?.text ?? null} error={notice?.error} />
    </Panel>
  );
}
