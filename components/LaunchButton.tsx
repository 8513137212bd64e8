"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { basePath } from "@/lib/api/base-path";
import { ApiError } from "@/lib/api/fetch-json";
import { deleteServer, fetchServers, postLaunch, serverKeys } from "@/lib/library/client";

interface Progress {
  percent: number;
  message: string;
}

/**
 * Starts a named server from a library entry, shows the Hub's progress live, and goes to the
 * server (at `path`, see lib/links) when it is ready. When the Hub's server limit is reached it
 * lists the person's servers, each with a button that frees its place and launches again.
 */
export function LaunchButton({ entryId, label = "Launch", auto = false, path }: { entryId: number; label?: string; auto?: boolean; path?: string }) {
  const [state, setState] = useState<"idle" | "starting" | "failed" | "limit">("idle");
  const [progress, setProgress] = useState<Progress>({ percent: 0, message: "" });
  const [error, setError] = useState<string | null>(null);

  async function launch() {
    setState("starting");
    setError(null);
    setProgress({ percent: 5, message: "Asking JupyterHub for a server…" });
    try {
      const result = await postLaunch(entryId, path);
      if (result.ready) {
        setProgress({ percent: 100, message: "Your server is running. Opening it…" });
        window.location.assign(result.openUrl);
        return;
      }
      const source = new EventSource(`${basePath}/api/launches/${result.server}/progress`);
      source.onmessage = (event) => {
        const data = JSON.parse(event.data) as { progress?: number; message?: string; ready?: boolean; failed?: boolean };
        if (data.ready) {
          source.close();
          setProgress({ percent: 100, message: "Ready. Opening your server…" });
          window.location.assign(result.openUrl);
        } else if (data.failed) {
          source.close();
          setState("failed");
          setError(`The server could not start: ${data.message ?? "JupyterHub gave no reason."}`);
        } else {
          setProgress({ percent: data.progress ?? 10, message: data.message ?? "" });
        }
      };
    } catch (err) {
      setState(err instanceof ApiError && err.code === "server_limit" ? "limit" : "failed");
      setError((err as Error).message);
    }
  }

  // Started on its own (a launch link, or "build and launch"): once, on mount.
  const launchOnMount = useRef(auto);
  useEffect(() => {
    if (!launchOnMount.current) return;
    launchOnMount.current = false;
    void launch();
  });

  return (
    <div className="space-y-2">
      <button
        type="button"
        onClick={() => void launch()}
        disabled={state === "starting"}
        className="rounded-md bg-kiln-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-kiln-700 disabled:opacity-60"
      >
        {state === "starting" ? "Starting…" : label}
      </button>
      {state === "starting" && (
        <div role="status" aria-live="polite" className="space-y-1 text-sm" data-testid="launch-progress">
          <div className="h-2 w-64 max-w-full overflow-hidden rounded-full bg-stone-200 dark:bg-stone-800">
            <div className="h-full bg-kiln-500 transition-all" style={{ width: `${progress.percent}%` }} />
          </div>
          <p className="text-stone-600 dark:text-stone-400">{progress.message}</p>
        </div>
      )}
      {error && (
        <p role="alert" className="max-w-prose text-sm text-red-700 dark:text-red-400" data-testid="launch-error">
          {error}
        </p>
      )}
      {state === "limit" && <FreeAServer onFreed={() => void launch()} />}
    </div>
  );
}

/** The person's servers, each with a button that removes it (the home stays) to make room. */
function FreeAServer({ onFreed }: { onFreed: () => void }) {
  const servers = useQuery({ queryKey: serverKeys.all, queryFn: fetchServers });
  const [removing, setRemoving] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function remove(name: string) {
    setRemoving(name);
    setFailure(null);
    try {
      await deleteServer(name, true);
      onFreed();
    } catch (error) {
      setFailure((error as Error).message);
      setRemoving(null);
    }
  }

  if (servers.isPending) return <p className="text-sm text-stone-600 dark:text-stone-400">Asking JupyterHub for your servers…</p>;
  if (servers.isError) return <p role="alert" className="text-sm text-red-700 dark:text-red-400">{servers.error.message}</p>;
  const named = servers.data.filter((server) => server.name);
  return (
    <section aria-labelledby="free-a-server" className="max-w-prose rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-800 dark:bg-amber-950" data-testid="server-limit">
      <h3 id="free-a-server" className="font-medium">
        Remove one of your servers to make room
      </h3>
      <p className="mt-1 text-stone-700 dark:text-stone-300">Removing a server stops it and frees its place; your home directory and its files stay. Kiln then launches this one.</p>
      <ul className="mt-3 space-y-2">
        {named.map((server) => (
          <li key={server.name} className="flex flex-wrap items-center justify-between gap-2">
            <span>
              <span className="font-mono">{server.name}</span>{" "}
              <span className="text-stone-600 dark:text-stone-400">{server.ready ? "running" : server.pending ? `${server.pending}ing` : "stopped"}</span>
            </span>
            <button
              type="button"
              onClick={() => void remove(server.name)}
              disabled={removing !== null}
              className="rounded-md border border-stone-300 px-3 py-1 hover:bg-white disabled:opacity-60 dark:border-stone-700 dark:hover:bg-stone-900"
            >
              {removing === server.name ? "Removing…" : `Remove ${server.name} and launch`}
            </button>
          </li>
        ))}
      </ul>
      {failure && <p role="alert" className="mt-2 text-red-700 dark:text-red-400">{failure}</p>}
    </section>
  );
}
