"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { forwardRef, useCallback, useEffect, useId, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from "react";
import { findErrorLine, findMatches, firstMatchFrom, markMatches, matchStarts, MATCHES_MAX, plainText, styledRuns, type LogMatch, type StyledRun } from "@/lib/builds/log-lines";
import type { ViewedLine } from "@/lib/builds/use-build-events";

export interface LogViewerHandle {
  write(lines: ViewedLine[]): void;
}

/** "12:04:31" in the reader's time zone; blank space for a line stored before Kiln kept times. */
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const stamp = (at: number | null) => (at === null ? "        " : clock.format(at));

/** Every row is one line high: no wrapping (long lines scroll sideways), so any row's place is known without drawing it. */
const ROW_PX = 20;
const button = "rounded-md border border-stone-300 px-2.5 py-1 text-sm hover:bg-stone-100 disabled:opacity-60 dark:border-stone-700 dark:hover:bg-stone-800";

/** Per line, made when first needed and kept: its styled runs and its lower-cased plain text. */
interface LineCache {
  runs?: StyledRun[];
  plain?: string;
  lowered?: string;
}

/**
 * The build log as a virtualised list (TanStack Virtual): only the rows in view are in the page,
 * so a 100,000-line log opens as fast as its lines arrive, and a line's colours are worked out
 * (anser) only when it is drawn. It follows the tail until the reader scrolls up, and has search
 * and, for a failed build, a jump to the error.
 */
export const LogViewer = forwardRef<LogViewerHandle, { label: string; failed?: boolean; errorText?: string; downloadUrl?: string }>(function LogViewer(
  { label, failed = false, errorText, downloadUrl },
  ref,
) {
  const scroller = useRef<HTMLDivElement>(null);
  const kept = useRef<ViewedLine[]>([]);
  const caches = useRef<LineCache[]>([]);
  // Lines arrive in bursts (5,000 to an event for a late joiner): one render per frame shows them.
  const [count, setCount] = useState(0);
  const [, setRedraw] = useState(0);
  const frame = useRef<number | null>(null);
  const [timestamps, setTimestamps] = useState(false);
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(-1);
  /** The line "Jump to the error" found, marked until the reader searches or follows again. */
  const [pointed, setPointed] = useState(-1);
  const searchId = useId();

  const cache = useCallback((line: number): LineCache => (caches.current[line] ??= {}), []);
  const plain = useCallback((line: number) => (cache(line).plain ??= plainText(kept.current[line]!.text)), [cache]);
  const lowered = useCallback((line: number) => (cache(line).lowered ??= plain(line).toLowerCase()), [cache, plain]);

  useImperativeHandle(ref, () => ({
    write(lines) {
      if (!lines.length) return;
      for (const line of lines) {
        // A line that ended in a carriage return is overwritten by the next, as on a terminal
        // (a progress bar the builder printed a chunk at a time).
        const last = kept.current.length - 1;
        if (last >= 0 && kept.current[last]!.text.endsWith("\r")) {
          kept.current[last] = line;
          caches.current[last] = {};
        } else kept.current.push(line);
      }
      frame.current ??= requestAnimationFrame(() => {
        frame.current = null;
        setCount(kept.current.length);
        setRedraw((n) => n + 1); // a row overwritten in place changes nothing else
      });
    },
  }));
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), []);

  const virtualizer = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_PX, overscan: 10 });

  const setFollow = useCallback((on: boolean) => {
    followingRef.current = on;
    setFollowing(on);
  }, []);
  // Following: new lines keep the end in view.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && followingRef.current) element.scrollTop = element.scrollHeight;
  }, [count]);
  const onScroll = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    const atEnd = element.scrollTop + element.clientHeight >= element.scrollHeight - ROW_PX / 2;
    if (atEnd !== followingRef.current) setFollow(atEnd);
  }, [setFollow]);

  function scrollToLine(line: number) {
    setFollow(false);
    virtualizer.scrollToIndex(line, { align: "center" });
  }

  // Matches are counted again when lines arrive, so "3 of 12" stays true during a live build.
  const matches: LogMatch[] = useMemo(() => (query ? findMatches(count, lowered, query) : []), [count, lowered, query]);
  const current = active >= 0 && active < matches.length ? active : -1;

  function search(text: string) {
    setQuery(text);
    setPointed(-1);
    if (!text) return setActive(-1);
    const found = findMatches(kept.current.length, lowered, text);
    const top = Math.floor((scroller.current?.scrollTop ?? 0) / ROW_PX);
    const index = firstMatchFrom(found, top);
    setActive(index);
    if (index >= 0) scrollToLine(found[index]!.line);
  }

  function step(direction: 1 | -1) {
    if (!matches.length) return;
    const index = current < 0 ? 0 : (current + direction + matches.length) % matches.length;
    setActive(index);
    scrollToLine(matches[index]!.line);
  }

  function jumpToError() {
    const line = findErrorLine(kept.current.length, plain, errorText);
    if (line < 0) return;
    setPointed(line);
    scrollToLine(line);
  }

  function follow() {
    setPointed(-1);
    setFollow(true);
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
  }

  // Home and End jump at once and set following themselves: the browser's own (animated)
  // scroll could be overtaken by the next key or by arriving lines and stop short of the end.
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.altKey || event.metaKey || event.shiftKey) return;
    if (event.key === "End") {
      event.preventDefault();
      follow();
    } else if (event.key === "Home") {
      event.preventDefault();
      setFollow(false);
      if (scroller.current) scroller.current.scrollTop = 0;
    }
  }

  const results = !query ? "" : matches.length ? `${current + 1} of ${matches.length}${matches.length >= MATCHES_MAX ? "+" : ""}` : "No matches";
  const activeMatch = current >= 0 ? matches[current] : undefined;

  function row(line: number) {
    const entry = cache(line);
    const runs = (entry.runs ??= styledRuns(kept.current[line]!.text));
    const shown: (StyledRun & { match?: boolean })[] = query ? markMatches(runs, matchStarts(lowered(line), query.toLowerCase()), query.length) : runs;
    let offset = 0;
    return shown.map((run, index) => {
      const start = offset;
      offset += run.text.length;
      const style: CSSProperties = {};
      if (run.colour) style.color = run.colour;
      if (run.background) style.backgroundColor = run.background;
      if (run.bold) style.fontWeight = 700;
      if (run.italic) style.fontStyle = "italic";
      if (run.underline || run.strikethrough) style.textDecorationLine = [run.underline && "underline", run.strikethrough && "line-through"].filter(Boolean).join(" ");
      if (run.match) {
        const isActive = activeMatch?.line === line && start >= activeMatch.start && start < activeMatch.start + query.length;
        return (
          <mark key={index} data-active-match={isActive || undefined} className={isActive ? "bg-amber-400 text-stone-950" : "bg-amber-900 text-amber-50"} style={{ ...style, color: undefined, backgroundColor: undefined }}>
            {run.text}
          </mark>
        );
      }
      return (
        <span key={index} style={style}>
          {run.text}
        </span>
      );
    });
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Log tools">
        <form
          role="search"
          className="flex items-center gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            step(1);
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
            onChange={(event) => search(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && event.shiftKey) {
                event.preventDefault();
                step(-1);
              }
            }}
            className="w-48 rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-900"
          />
          <button type="button" className={button} onClick={() => step(-1)} disabled={!query} aria-label="Previous match">
            ↑
          </button>
          <button type="submit" className={button} disabled={!query} aria-label="Next match">
            ↓
          </button>
          <span className="min-w-20 text-sm tabular-nums text-stone-700 dark:text-stone-300" aria-live="polite" data-testid="log-search-results">
            {results}
          </span>
        </form>
        {failed && (
          <button type="button" className={button} onClick={jumpToError}>
            Jump to the error
          </button>
        )}
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" checked={timestamps} onChange={(event) => setTimestamps(event.target.checked)} className="size-4 accent-kiln-600" />
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
            <button type="button" className={button} onClick={follow}>
              Follow
            </button>
          )}
        </span>
      </div>
      {/* Focusable so the keyboard scrolls it (arrows, Page Up/Down, Home, End). Not a live
          region: the phase bar announces progress, and reading every line aloud would drown it. */}
      <div
        ref={scroller}
        role="log"
        aria-live="off"
        aria-label={label}
        data-testid="build-log"
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        className="h-[28rem] overflow-auto rounded-lg border border-stone-800 bg-stone-900 p-2 font-mono text-[13px] leading-5 text-stone-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-kiln-500 dark:bg-stone-950"
      >
        {count === 0 && <p className="text-stone-400">No output yet.</p>}
        <div className="relative w-max min-w-full" style={{ height: virtualizer.getTotalSize() }} data-testid="build-log-rows">
          {virtualizer.getVirtualItems().map((item) => (
            <div
              key={item.key}
              data-line={item.index + 1}
              className={`absolute left-0 top-0 min-w-full whitespace-pre ${item.index === pointed ? "bg-red-950 outline outline-1 outline-red-400" : ""}`}
              style={{ height: ROW_PX, transform: `translateY(${item.start}px)` }}
            >
              {timestamps && <span className="select-none text-stone-400">{stamp(kept.current[item.index]!.at)} </span>}
              {row(item.index)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
});
