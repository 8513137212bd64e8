"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDateTime } from "@/lib/format";
import { deleteServer, fetchServers, serverKeys } from "@/lib/library/client";
import { EmptyState } from "./EmptyState";


export function ServersView() {
  const servers = useQuery({ queryKey: serverKeys.all, queryFn: fetchServers, refetchInterval: 5000 });
  const client = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const stop = useMutation({
    mutationFn: ({ name, remove }: { name: string; remove: boolean }) => deleteServer(name, remove),
    onSuccess: (_, { name, remove }) => {
      setNotice(remove ? `Server ${name} stopped and removed.` : `Server ${name} stopped.`);
      void client.invalidateQueries({ queryKey: serverKeys.all });
    },
    onError: (error) => setNotice(error.message),
  });

  if (servers.isPending) return <p className="text-stone-600">Asking JupyterHub for your servers…</p>;
  if (servers.isError) return <p role="alert" className="text-red-700">{servers.error.message}</p>;
  const named = servers.data.filter((s) => s.name);
  return (
    <div className="space-y-4">
      <p role="status" aria-live="polite" className="min-h-5 text-sm" data-testid="servers-notice">{notice}</p>
      {named.length === 0 ? (
        <EmptyState title="No servers running">
          <p>Launch an image from your library and its server appears here. Your home directory stays, whatever you stop.</p>
        </EmptyState>
      ) : (
        <table className="w-full rounded-xl border border-stone-200 bg-white text-left text-sm dark:border-stone-800 dark:bg-stone-900">
          <caption className="sr-only">Your servers</caption>
          <thead className="text-xs text-stone-600 dark:text-stone-400">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Server</th>
              <th scope="col" className="px-2 py-2 font-medium">Image</th>
              <th scope="col" className="px-2 py-2 font-medium">Started</th>
              <th scope="col" className="px-2 py-2 font-medium">Last activity</th>
              <th scope="col" className="px-4 py-2 font-medium"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {named.map((server) => (
              <tr key={server.name} className="border-t border-stone-100 dark:border-stone-800" data-testid="server-row">
                <td className="px-4 py-3 font-medium">
                  {server.name}
                  <span className="ml-2 text-xs text-stone-500">{server.ready ? "running" : server.pending ? `${server.pending}ing…` : "stopped"}</span>
                </td>
                <td className="max-w-xs break-all px-2 py-3 font-mono text-xs">{server.image ?? "default"}</td>
                <td className="px-2 py-3">{formatDateTime(server.started)}</td>
                <td className="px-2 py-3">{formatDateTime(server.lastActivity)}</td>
                <td className="space-x-3 px-4 py-3 text-sm">
                  {server.ready && <a href={server.url} className="underline underline-offset-2">Open</a>}
                  {(server.ready || server.pending) && (
                    <button type="button" onClick={() => stop.mutate({ name: server.name, remove: false })} className="underline underline-offset-2">Stop</button>
                  )}
                  <button type="button" onClick={() => stop.mutate({ name: server.name, remove: true })} className="text-red-700 underline underline-offset-2 dark:text-red-400">Remove</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
