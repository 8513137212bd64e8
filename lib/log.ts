import "server-only";
import pino, { type Logger } from "pino";
import { serverEnv } from "@/lib/env";

// Kiln's log: one JSON object per line on stdout (pino), at KILN_LOG_LEVEL. server.mjs writes the
// request lines with the same settings and hands each request its id in X-Request-Id, which
// requestLog() puts on every line written while serving it. Secrets never go in: tokens and
// cookies are not logged, and the paths below are censored should an object carry them.

/** Where a secret could sit in something logged. */
export const REDACTED_PATHS = ["token", "hubToken", "accessToken", "password", "secret", "*.token", "*.hubToken", "*.accessToken", "headers.authorization", "headers.cookie", "req.headers.authorization", "req.headers.cookie"];

function level(): string {
  try {
    return serverEnv().KILN_LOG_LEVEL;
  } catch {
    // A misconfigured Kiln still logs why (lib/env's message).
    return "info";
  }
}

const globalLog = globalThis as typeof globalThis & { kilnLog?: Logger };

function make(): Logger {
  return pino({
    level: level(),
    base: { service: "kiln" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  });
}

/** The process's logger (one per process, however often Next.js loads this module). */
export const log: Logger = (globalLog.kilnLog ??= make());

/** The logger for one request: every line carries its id (X-Request-Id, set by server.mjs). */
export function requestLog(headers: Headers): Logger {
  const reqId = headers.get("x-request-id");
  return reqId ? log.child({ reqId }) : log;
}
