"use client";

import type { ISearchOptions, SearchAddon } from "@xterm/addon-search";
import type { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { forwardRef, useEffect, useId, useImperativeHandle, useRef, useState } from "react";
import type { ViewedLine } from "@/lib/builds/use-build-events";

export interface LogViewerHandle {
  write(lines: ViewedLine[]): void;
}

/** "12:04:31" in the reader's time zone; blank space for a line stored before Kiln kept times. */
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const stamp = (at: number | null) => `\u001b[90m${at === null ? "        " : clock.format(at)}\u001b[0m `;

const SCROLLBACK = 250_000;
/** What "Jump to the error" looks for, from the end: the builder's and Kiln's failure lines. */
const ERROR_PATTERN = String.raw`\b(error|failed|fatal)\b`;
const MATCH_COLOURS = { matchBackground: "#78350f", activeMatchBackground: "#d97706", matchOverviewRuler: "#d97706", activeMatchColorOverviewRuler: "#f59e0b" };
const button = "rounded-md border border-stone-300 px-2.5 py-1 text-sm hover:bg-stone-100 disabled:opacity-60 dark:border-stone-700 dark:hover:bg-stone-800";

/**
 * The build log in xterm.js: ANSI colours, 100,000+ lines without slowing down. It follows the
 * tail until the reader scrolls up, and has search and, for a failed build, a jump to the error.
 */
export const LogViewer = forwardRef<LogViewerHandle, { label: string; failed?: boolean; errorText?: string; downloadUrl?: string }>(function LogViewer(
  { label, failed = false, errorText, downloadUrl },
  ref,
) {
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  const search = useRef<SearchAddon | null>(null);
  // Every line, kept so the timestamps can be switched on and off (xterm keeps only what it drew).
  const kept = useRef<ViewedLine[]>([]);
  const [timestamps, setTimestamps] = useState(false);
  const timestampsRef = useRef(false);
  const [following, setFollowing] = useState(true);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);
  const searchId = useId();
  const [viewerFailed, setViewerFailed] = useState(false);

  useImperativeHandle(ref, () => ({
    write(lines) {
      if (!lines.length) return;
      for (const line of lines) kept.current.push(line);
      terminal.current?.write(render(lines, timestampsRef.current));
    },
  }));

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    // xterm.js is about 90 kB compressed: it loads after the page is usable, and lines that
    // arrive before it are kept and drawn when it opens.
    let cleanup: (() => void) | undefined;
    let unmounted = false;
    void Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit"), import("@xterm/addon-search")]).then(([{ Terminal }, { FitAddon }, { SearchAddon }]) => {
      if (unmounted) return;
      const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
      const term = new Terminal({
        convertEol: false,
        disableStdin: true,
        cursorStyle: "bar",
        cursorInactiveStyle: "none",
        scrollback: SCROLLBACK,
        allowProposedApi: true, // the search addon's match highlighting needs it
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
        fontSize: 13,
        // Bright red on the dark background: the default red of a failure line is below 4.5:1.
        theme: dark
          ? { background: "#0c0a09", foreground: "#e7e5e4", red: "#f87171", brightRed: "#fca5a5", yellow: "#fbbf24", brightBlack: "#a8a29e" }
          : { background: "#1c1917", foreground: "#f5f5f4", red: "#f87171", brightRed: "#fca5a5", yellow: "#fbbf24", brightBlack: "#a8a29e" },
      });
      const fit = new FitAddon();
      const searchAddon = new SearchAddon();
      term.loadAddon(fit);
      term.loadAddon(searchAddon);
      term.open(element);
      fit.fit();
      terminal.current = term;
      search.current = searchAddon;
      if (kept.current.length) term.write(render(kept.current, timestampsRef.current));
      // Following means the viewport is at the end; xterm keeps a scrolled-up viewport where it is.
      const atEnd = () => setFollowing(term.buffer.active.viewportY >= term.buffer.active.baseY);
      const subscriptions = [term.onScroll(atEnd), term.onWriteParsed(atEnd), searchAddon.onDidChangeResults((change) => setResults(change.resultCount ? { index: change.resultIndex, count: change.resultCount } : { index: -1, count: 0 }))];
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(element);
      cleanup = () => {
        observer.disconnect();
        for (const subscription of subscriptions) subscription.dispose();
        term.dispose();
        terminal.current = null;
        search.current = null;
      };
    }, () => setViewerFailed(true));
    return () => {
      unmounted = true;
      cleanup?.();
    };
  }, []);

  function showTimestamps(on: boolean) {
    setTimestamps(on);
    timestampsRef.current = on;
    const term = terminal.current;
    if (!term) return;
    term.reset();
    term.write(render(kept.current, on));
  }

  const options: ISearchOptions = { caseSensitive: false, decorations: MATCH_COLOURS };
  function find(direction: "next" | "previous", text = query) {
    if (!text) return;
    if (direction === "next") search.current?.findNext(text, options);
    else search.current?.findPrevious(text, options);
  }

  function jumpToError() {
    const term = terminal.current;
    if (!term) return;
    term.clearSelection();
    term.scrollToBottom();
    // From the end backwards: the failed step's last line when Kiln knows it, else the last
    // line that says error (a summary line was cut at 300 characters: its start is enough).
    const found = errorText ? search.current?.findPrevious(errorText.replace(/…$/, "").slice(0, 120), options) : false;
    if (!found) search.current?.findPrevious(ERROR_PATTERN, { ...options, regex: true });
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Log tools">
        <form
          role="search"
          className="flex items-center gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            find("next");
          }}
        >
          <label htmlFor={searchId} className="sr-only">
            Search the log
          </label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder="Search the log"
            onChange={(event) => {
              setQuery(event.target.value);
              if (event.target.value) find("next", event.target.value);
              else {
                search.current?.clearDecorations();
                setResults(null);
              }
            }}
            onKeyDown={(event) => {
              if (event.key === "Enter" && event.shiftKey) {
                event.preventDefault();
                find("previous");
              }
            }}
            className="w-48 rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-900"
          />
          <button type="button" className={button} onClick={() => find("previous")} disabled={!query} aria-label="Previous match">
            ↑
          </button>
          <button type="submit" className={button} disabled={!query} aria-label="Next match">
            ↓
          </button>
          <span className="min-w-20 text-sm tabular-nums text-stone-700 dark:text-stone-300" aria-live="polite" data-testid="log-search-results">
            {query && results ? (results.count ? `${results.index + 1} of ${results.count}` : "No matches") : ""}
          </span>
        </form>
        {failed && (
          <button type="button" className={button} onClick={jumpToError}>
            Jump to the error
          </button>
        )}
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" checked={timestamps} onChange={(event) => showTimestamps(event.target.checked)} className="size-4 accent-kiln-600" />
          Timestamps
        </label>
        {timestamps && downloadUrl && (
          <a href={`${downloadUrl}?timestamps=1`} download className="text-sm underline underline-offset-2">
            Download with timestamps
          </a>
        )}
        <span className="ml-auto flex items-center gap-2 text-sm text-stone-700 dark:text-stone-300">
          <span data-testid="log-follow-state">{following ? "Following the end of the log" : "Scrolled up: not following"}</span>
          {!following && (
            <button type="button" className={button} onClick={() => terminal.current?.scrollToBottom()}>
              Follow
            </button>
          )}
        </span>
      </div>
      <div role="log" aria-label={label} data-testid="build-log" className="h-[28rem] overflow-hidden rounded-lg border border-stone-800 bg-stone-900 p-2 dark:bg-stone-950">
        {viewerFailed && (
          <p role="alert" className="p-2 text-sm text-stone-100">
            The log viewer did not load (Kiln may have been updated). Reload the page, or download the log.
          </p>
        )}
        <div ref={host} className="h-full w-full" />
      </div>
    </div>
  );
});

function render(lines: ViewedLine[], timestamps: boolean): string {
  return `${lines.map((line) => (timestamps ? stamp(line.at) + line.text : line.text)).join("\r\n")}\r\n`;
}
