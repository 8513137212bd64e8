"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ApiError } from "@/lib/api/fetch-json";
import { formatElapsed } from "@/lib/format";
import { deleteServer, fetchServers, postLaunch, serverKeys } from "@/lib/library/client";
import { useLaunchProgress } from "@/lib/launches/use-launch-progress";
import { notifyInBackground } from "@/lib/notifications/desktop";
import { DesktopNotifyToggle } from "./DesktopNotifyToggle";

/**
 * Starts a named server from a library entry, shows the Hub's progress messages as they come
 * with the time taken and a Cancel button, and goes to the server (at `path`, see lib/links)
 * when it is ready. When the Hub's server limit is reached it lists the person's servers, each
 * with a button that frees its place and launches again.
 */
export function LaunchButton({
  entryId,
  label = "Launch",
  auto = false,
  path,
  server: serverName,
  onLaunch,
}: {
  entryId: number;
  label?: string;
  auto?: boolean;
  path?: string;
  /** Start this named server of the person's (the Servers page), not any server of the image. */
  server?: string;
  /** Told when a launch begins, so a list can keep this button while the server's state changes. */
  onLaunch?: () => void;
}) {
  const [state, setState] = useState<"idle" | "starting" | "failed" | "limit" | "cancelled">("idle");
  const [error, setError] = useState<string | null>(null);
  const [server, setServer] = useState<string | null>(null);
  const [startedAt, setStartedAt] = useState(0);
  const [now, setNow] = useState(0);
  const openUrl = useRef<string | null>(null);
  const { progress, follow, stop, note, reset } = useLaunchProgress((outcome) => {
    if (outcome.kind === "ready") {
      note("Your server is ready. Opening it…", 100);
      notifyInBackground("Your server is ready", "Kiln is opening it in the tab you launched it from.");
      if (openUrl.current) window.location.assign(openUrl.current);
    } else {
      setState("failed");
      setError(outcome.message);
    }
  });

  useEffect(() => {
    if (state !== "starting") return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [state]);

  async function launch() {
    onLaunch?.();
    setState("starting");
    setError(null);
    setStartedAt(Date.now());
    setNow(Date.now());
    reset("Asking JupyterHub for a server…", 5);
    try {
      const result = await postLaunch(entryId, path, serverName);
      setServer(result.server);
      openUrl.current = result.openUrl;
      if (result.ready) {
        note("Your server is already running. Opening it…", 100);
        window.location.assign(result.openUrl);
        return;
      }
      note(`JupyterHub is starting server ${result.server}…`, 10);
      follow(result.server);
    } catch (err) {
      setState(err instanceof ApiError && err.code === "server_limit" ? "limit" : "failed");
      setError((err as Error).message);
    }
  }

  async function cancel() {
    stop();
    openUrl.current = null;
    try {
      if (server) await deleteServer(server, false);
      setState("cancelled");
    } catch (err) {
      setState("failed");
      setError(`Kiln could not stop the server: ${(err as Error).message} Open Servers to stop it there.`);
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
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          onClick={() => void launch()}
          disabled={state === "starting"}
          className="rounded-md bg-kiln-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-kiln-800 disabled:opacity-60"
        >
          {state === "starting" ? "Starting…" : label}
        </button>
        {state === "starting" && server && progress.percent < 100 && (
          <button type="button" onClick={() => void cancel()} className="rounded-md border border-stone-300 px-3 py-1.5 text-sm hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800">
            Cancel
          </button>
        )}
      </div>
      {state === "starting" && (
        <div role="status" aria-live="polite" className="space-y-1 text-sm" data-testid="launch-progress">
          <div className="flex items-center gap-2">
            <div className="h-2 w-64 max-w-full overflow-hidden rounded-full bg-stone-200 dark:bg-stone-800" aria-hidden>
              <div className="h-full bg-kiln-500 transition-all" style={{ width: `${progress.percent}%` }} />
            </div>
            <span className="tabular-nums text-stone-700 dark:text-stone-300" data-testid="launch-elapsed">
              {formatElapsed(now - startedAt)}
            </span>
          </div>
          <ol className="max-w-prose space-y-0.5 text-stone-700 dark:text-stone-300" data-testid="launch-messages">
            {progress.messages.slice(-5).map((message) => (
              <li key={message} className="break-words">{message}</li>
            ))}
          </ol>
          <DesktopNotifyToggle />
          {progress.reconnecting && <p className="text-amber-800 dark:text-amber-300">The connection to JupyterHub dropped; reconnecting…</p>}
        </div>
      )}
      {state === "cancelled" && (
        <p role="status" className="text-sm text-stone-700 dark:text-stone-300" data-testid="launch-cancelled">
          Cancelled: the server was stopped. Your home directory is unchanged.
        </p>
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
