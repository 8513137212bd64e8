"use client";

import { useEffect, useRef, useState } from "react";
import { basePath } from "@/lib/api/base-path";
import { postLaunch } from "@/lib/library/client";

interface Progress {
  percent: number;
  message: string;
}

/**
 * Starts a named server from a library entry, shows the Hub's progress live, and goes to the
 * server when it is ready.
 */
export function LaunchButton({ entryId, label = "Launch", auto = false }: { entryId: number; label?: string; auto?: boolean }) {
  const [state, setState] = useState<"idle" | "starting" | "failed">("idle");
  const [progress, setProgress] = useState<Progress>({ percent: 0, message: "" });
  const [error, setError] = useState<string | null>(null);

  async function launch() {
    setState("starting");
    setError(null);
    setProgress({ percent: 5, message: "Asking JupyterHub for a server…" });
    try {
      const result = await postLaunch(entryId);
      if (result.ready) {
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
      setState("failed");
      setError((err as Error).message);
    }
  }

  // Started on its own (a build finishing with "build and launch"): once, on mount.
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
    </div>
  );
}
