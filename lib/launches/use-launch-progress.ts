"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { basePath } from "@/lib/api/base-path";
import { fetchServers } from "@/lib/library/client";

export interface LaunchProgress {
  percent: number;
  /** The Hub's own progress messages, oldest first, each once. */
  messages: string[];
  reconnecting: boolean;
}

type Outcome = { kind: "ready" } | { kind: "failed"; message: string };

/** How long a dropped stream waits before asking again, and how often it may. */
const RETRY_MS = 2000;
const MAX_RETRIES = 30;
/** How often the Hub is asked directly while its progress stream is followed. */
const WATCHDOG_MS = 4000;

/**
 * Follows the Hub's progress events for a starting server through Kiln. The Hub replays a
 * spawn's events from the start on every connection, so a dropped stream is simply reopened
 * (after asking the Hub whether the server is up already); repeated messages are dropped.
 */
export function useLaunchProgress(onOutcome: (outcome: Outcome) => void) {
  const [progress, setProgress] = useState<LaunchProgress>({ percent: 0, messages: [], reconnecting: false });
  const source = useRef<EventSource | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const outcome = useRef(onOutcome);
  outcome.current = onOutcome;

  const watchdog = useRef<ReturnType<typeof setInterval> | undefined>(undefined);
  // Bumped by stop(): an answer that arrives for an earlier stream (or after Cancel, or after
  // the page went away) is ignored.
  const generation = useRef(0);
  const stop = useCallback(() => {
    generation.current += 1;
    source.current?.close();
    source.current = null;
    clearTimeout(timer.current);
    clearInterval(watchdog.current);
  }, []);

  const note = useCallback((message: string | undefined, percent?: number) => {
    setProgress((current) => ({
      percent: percent ?? current.percent,
      messages: message && current.messages.at(-1) !== message && !current.messages.includes(message) ? [...current.messages, message] : current.messages,
      reconnecting: false,
    }));
  }, []);

  /**
   * Asks the Hub directly where the server is: ready or gone ends the launch; still starting,
   * or no answer, is left to the caller.
   */
  const askHub = useCallback(
    (server: string, live: () => boolean, stillStarting: () => void, unreachable: () => void) => {
      void fetchServers()
        .then((servers) => {
          if (!live()) return;
          const current = servers.find((candidate) => candidate.name === server);
          if (current?.ready) {
            stop();
            note(undefined, 100);
            outcome.current({ kind: "ready" });
          } else if (!current?.pending) {
            stop();
            outcome.current({ kind: "failed", message: "The server stopped before it was ready. Open Servers to see it, or launch again." });
          } else stillStarting();
        })
        .catch(() => {
          if (live()) unreachable();
        });
    },
    [note, stop],
  );

  const follow = useCallback(
    (server: string, retries = 0) => {
      stop();
      const mine = generation.current;
      const live = () => generation.current === mine;
      const events = new EventSource(`${basePath}/api/launches/${server}/progress`);
      source.current = events;
      const reconnect = () => {
        if (retries < MAX_RETRIES) follow(server, retries + 1);
        else outcome.current({ kind: "failed", message: "Kiln lost touch with JupyterHub while the server started. Open Servers to see whether it is running." });
      };
      // A stream can also stall without an error (a proxy keeps the browser's side open when
      // Kiln goes away): the Hub's own answer, asked now and then, decides in the end.
      let lost = false;
      watchdog.current = setInterval(
        () =>
          askHub(
            server,
            live,
            () => lost && reconnect(),
            () => {
              lost = true;
              setProgress((current) => ({ ...current, reconnecting: true }));
            },
          ),
        WATCHDOG_MS,
      );
      events.onmessage = (event) => {
        if (!live()) return;
        const data = JSON.parse(event.data as string) as { progress?: number; message?: string; ready?: boolean; failed?: boolean };
        if (data.ready) {
          stop();
          note(data.message, 100);
          outcome.current({ kind: "ready" });
        } else if (data.failed) {
          stop();
          outcome.current({ kind: "failed", message: `The server could not start: ${data.message ?? "JupyterHub gave no reason."}` });
        } else {
          note(data.message, data.progress);
        }
      };
      events.onerror = () => {
        if (!live()) return;
        setProgress((current) => ({ ...current, reconnecting: true }));
        // The browser retries an open stream by itself; one that ended is reopened here, once
        // the Hub has said the server is still on its way.
        if (events.readyState !== EventSource.CLOSED) return;
        stop();
        const retry = generation.current;
        timer.current = setTimeout(() => askHub(server, () => generation.current === retry, reconnect, reconnect), RETRY_MS);
      };
    },
    [askHub, note, stop],
  );

  useEffect(() => stop, [stop]);

  const reset = useCallback((message: string, percent: number) => setProgress({ percent, messages: [message], reconnecting: false }), []);
  return { progress, follow, stop, note, reset };
}
