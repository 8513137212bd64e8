"use client";

import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";

export interface LogViewerHandle {
  write(lines: string[]): void;
}

const SCROLLBACK = 250_000;

/**
 * The build log in xterm.js: ANSI colours, 100,000+ lines without slowing down, and it follows
 * the tail unless the reader has scrolled up.
 */
export const LogViewer = forwardRef<LogViewerHandle, { label: string }>(function LogViewer({ label }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  const queued = useRef<string[]>([]);

  useImperativeHandle(ref, () => ({
    write(lines) {
      if (!lines.length) return;
      const text = `${lines.join("\r\n")}\r\n`;
      if (terminal.current) terminal.current.write(text);
      else queued.current.push(text);
    },
  }));

  useEffect(() => {
    if (!host.current) return;
    const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    const term = new Terminal({
      convertEol: false,
      disableStdin: true,
      cursorStyle: "bar",
      cursorInactiveStyle: "none",
      scrollback: SCROLLBACK,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      theme: dark
        ? { background: "#0c0a09", foreground: "#e7e5e4" }
        : { background: "#1c1917", foreground: "#f5f5f4" },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    terminal.current = term;
    for (const text of queued.current.splice(0)) term.write(text);
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host.current);
    return () => {
      observer.disconnect();
      term.dispose();
      terminal.current = null;
    };
  }, []);

  return (
    <div
      role="log"
      aria-label={label}
      data-testid="build-log"
      className="h-[28rem] overflow-hidden rounded-lg border border-stone-800 bg-stone-900 p-2 dark:bg-stone-950"
    >
      <div ref={host} className="h-full w-full" />
    </div>
  );
});
