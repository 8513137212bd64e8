"use client";

import { useEffect, useRef, useState } from "react";
import { basePath } from "@/lib/api/base-path";
import type { BuildView } from "./schema";

// Status events and polled builds are not parsed here: the server sends BuildViews it built itself,
// and leaving zod out keeps it out of the build page's JavaScript. Anything that cannot be a build
// (not an object with a string id) is still ignored.
const asBuildView = (body: unknown): BuildView | null =>
  typeof body === "object" && body !== null && typeof (body as { id?: unknown }).id === "string" ? (body as BuildView) : null;

export type StreamState = "connecting" | "live" | "reconnecting" | "ended";

/**
 * Follows /api/builds/<id>/events. EventSource reconnects by itself and sends Last-Event-ID, so
 * the server resumes after the last line seen; `seen` drops anything repeated all the same.
 */
/** A log line as the viewer shows it: its text, and when Kiln stored it (ms since the epoch), if known. */
export interface ViewedLine {
  text: string;
  at: number | null;
}

export function useBuildEvents(id: string, initial: BuildView, onLines: (lines: ViewedLine[]) => void) {
  const [build, setBuild] = useState(initial);
  const [stream, setStream] = useState<StreamState>("connecting");
  const onLinesRef = useRef(onLines);
  onLinesRef.current = onLines;

  useEffect(() => {
    let seen = 0;
    const source = new EventSource(`${basePath}/api/builds/${id}/events`);
    source.onopen = () => setStream("live");
    source.onerror = () => setStream(source.readyState === EventSource.CLOSED ? "ended" : "reconnecting");
    source.addEventListener("lines", (event) => {
      const lines = (JSON.parse((event as MessageEvent<string>).data) as [number, string, (number | null)?][]).filter(([seq]) => seq > seen);
      if (!lines.length) return;
      seen = lines.at(-1)![0];
      onLinesRef.current(lines.map(([, text, at]) => ({ text, at: at ?? null })));
    });
    source.addEventListener("status", (event) => {
      const next = asBuildView(JSON.parse((event as MessageEvent<string>).data));
      if (next) setBuild(next);
    });
    source.addEventListener("end", () => {
      source.close();
      setStream("ended");
    });
    // A safety net under the stream: re-read the build now and then while it is not finished.
    const poll = setInterval(() => {
      void fetch(`${basePath}/api/builds/${id}`)
        .then((response) => (response.ok ? response.json() : null))
        .then((body: unknown) => {
          const next = asBuildView(body);
          if (next) setBuild((current) => (current.status === next.status ? current : next));
        })
        .catch(() => undefined);
    }, 10_000);
    return () => {
      clearInterval(poll);
      source.close();
    };
  }, [id]);

  return { build, stream };
}
