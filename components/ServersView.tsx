"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRef, useState } from "react";
import { formatDateTime, versionLabel } from "@/lib/format";
import { deleteServer, fetchServers, serverKeys } from "@/lib/library/client";
import type { ServerView } from "@/lib/launches/schema";
import { cardCell, cardHead, cardRow, cardTable } from "./card-table";
import { EmptyState } from "./EmptyState";
import { ImageDetails } from "./ImageDetails";
import { LaunchButton } from "./LaunchButton";

type ServerState = "running" | "starting" | "stopping" | "stopped";

const STATE_BADGE: Record<ServerState, string> = {
  running: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200",
  starting: "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200",
  stopping: "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200",
  stopped: "bg-stone-200 text-stone-800 dark:bg-stone-800 dark:text-stone-200",
};
const DOT: Record<ServerState, string> = { running: "bg-emerald-600", starting: "bg-amber-500", stopping: "bg-amber-500", stopped: "bg-stone-500" };

function stateOf(server: ServerView): ServerState {
  if (server.ready) return "running";
  if (server.pending === "spawn") return "starting";
  if (server.pending === "stop") return "stopping";
  return server.pending ? "starting" : "stopped";
}


export function ServersView() {
  const servers = useQuery({ queryKey: serverKeys.all, queryFn: fetchServers, refetchInterval: 5000 });
  const client = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [launching, setLaunching] = useState<ReadonlySet<string>>(new Set());
  const dialog = useRef<HTMLDialogElement>(null);
  const stop = useMutation({
    mutationFn: ({ name, remove }: { name: string; remove: boolean }) => deleteServer(name, remove),
    onSuccess: (_, { name, remove }) => {
      setNotice(remove ? `Server ${name} was removed. Your home directory and its files are kept.` : `Server ${name} stopped. Start it again whenever you like.`);
      void client.invalidateQueries({ queryKey: serverKeys.all });
    },
    onError: (error) => setNotice(error.message),
  });

  function askToRemove(name: string) {
    setRemoving(name);
    dialog.current?.showModal();
  }

  if (servers.isPending) return <p className="text-stone-700 dark:text-stone-300">Asking JupyterHub for your servers…</p>;
  if (servers.isError) return <p role="alert" className="text-red-700 dark:text-red-400">{servers.error.message}</p>;
  const named = servers.data.filter((s) => s.name);
  return (
    <div className="space-y-4">
      <p role="status" aria-live="polite" className="min-h-5 text-sm" data-testid="servers-notice">{notice}</p>
      {named.length === 0 ? (
        <EmptyState title="No servers yet" action={<Link href="/library" className="inline-block rounded-md bg-kiln-700 px-4 py-2 font-medium text-white hover:bg-kiln-800">Open your library</Link>}>
          <p>Launch an image from your library and its server appears here. Your home directory stays, whatever you stop or remove.</p>
        </EmptyState>
      ) : (
        <table className={`${cardTable} rounded-xl border border-stone-200 bg-white dark:border-stone-800 dark:bg-stone-900`}>
          <caption className="sr-only">Your servers</caption>
          <colgroup>
            <col className="w-[18%]" />
            <col className="w-[30%]" />
            <col className="w-[15%]" />
            <col className="w-[15%]" />
            <col className="w-[22%]" />
          </colgroup>
          <thead className={cardHead}>
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Server</th>
              <th scope="col" className="px-2 py-2 font-medium">Repository and version</th>
              <th scope="col" className="px-2 py-2 font-medium">Started</th>
              <th scope="col" className="px-2 py-2 font-medium">Last activity</th>
              <th scope="col" className="px-4 py-2 font-medium"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="max-sm:block">
            {named.map((server) => {
              const state = stateOf(server);
              return (
                <tr key={server.name} className={cardRow} data-testid="server-row" data-state={state}>
                  <td className="px-4 py-3 max-sm:block max-sm:py-1">
                    <span className="break-all font-medium">{server.name}</span>{" "}
                    <span className={`ml-1 inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${STATE_BADGE[state]}`} data-testid="server-state">
                      <span aria-hidden className={`inline-block size-2 rounded-full ${DOT[state]}`} />
                      {state}
                    </span>
                  </td>
                  <td className={cardCell} data-label="Repository">
                    {server.entry ? (
                      <Link href={`/library?q=${encodeURIComponent(server.entry.displayName)}${server.entry.own ? "" : "&view=shared"}`} className="break-words underline underline-offset-2" data-testid="server-entry">
                        {versionLabel(server.entry)}
                      </Link>
                    ) : (
                      <span className="text-stone-700 dark:text-stone-300">{server.image ? "An image no longer in your library" : "The Hub's default image"}</span>
                    )}
                    {server.image && <ImageDetails imageName={server.image} />}
                  </td>
                  <td className={cardCell} data-label="Started">{formatDateTime(server.started)}</td>
                  <td className={cardCell} data-label="Last activity">{formatDateTime(server.lastActivity)}</td>
                  <td className="space-y-2 px-4 py-3 text-sm max-sm:block">
                    <div className="flex flex-wrap items-center gap-3">
                      {server.ready && !launching.has(server.name) && (
                        <a href={server.url} className="rounded-md bg-kiln-700 px-3 py-1 font-medium text-white hover:bg-kiln-800">
                          Open
                        </a>
                      )}
                      {(server.ready || server.pending === "spawn") && (
                        <button type="button" onClick={() => stop.mutate({ name: server.name, remove: false })} className="underline underline-offset-2">
                          Stop
                        </button>
                      )}
                      {state !== "stopping" && (
                        <button type="button" onClick={() => askToRemove(server.name)} className="text-red-700 underline underline-offset-2 dark:text-red-400">
                          Remove
                        </button>
                      )}
                    </div>
                    {/* A start begun here keeps its launcher while the row's state changes under it. */}
                    {server.entry && (state === "stopped" || launching.has(server.name)) && (
                      <LaunchButton entryId={server.entry.id} server={server.name} label="Start and open" onLaunch={() => setLaunching((names) => new Set(names).add(server.name))} />
                    )}
                    {state === "stopped" && !server.entry && <p className="text-xs text-stone-700 dark:text-stone-300">Its image is not in a library you can see, so it cannot start again; remove it.</p>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <dialog
        ref={dialog}
        aria-labelledby="remove-title"
        onClose={() => setRemoving(null)}
        className="m-auto max-w-md rounded-xl border border-stone-200 bg-white p-5 text-stone-900 backdrop:bg-stone-900/50 dark:border-stone-700 dark:bg-stone-900 dark:text-stone-100"
      >
        <form method="dialog" className="space-y-3">
          <h2 id="remove-title" className="text-lg font-semibold">
            Remove server {removing}?
          </h2>
          <p className="text-sm">It stops, and its name leaves your list of servers. Your home directory and every file in it are kept; the image stays in your library.</p>
          <div className="flex justify-end gap-2">
            <button type="submit" value="cancel" className="rounded-md border border-stone-300 px-3 py-1.5 text-sm dark:border-stone-700">
              Cancel
            </button>
            <button
              type="submit"
              value="remove"
              onClick={() => removing && stop.mutate({ name: removing, remove: true })}
              className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800"
            >
              Remove server
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
