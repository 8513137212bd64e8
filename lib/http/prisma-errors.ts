import "server-only";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError, badRequest, unavailable } from "./errors";

// Maps Prisma's and PostgreSQL's known errors to the 4xx/503 they mean, by code, as formbricks'
// prisma-error mapping does. Anything else stays unknown (a logged 500).

/** PostgreSQL SQLSTATE of an error raised by the pg driver, directly or through Prisma's adapter. */
function sqlState(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const record = current as { code?: unknown; originalCode?: unknown; meta?: unknown; cause?: unknown };
    for (const candidate of [record.originalCode, record.code]) {
      if (typeof candidate === "string" && /^[0-9A-Z]{5}$/.test(candidate) && !candidate.startsWith("P")) return candidate;
    }
    const meta = record.meta as { driverAdapterError?: unknown; code?: unknown } | undefined;
    current = meta?.driverAdapterError ?? (typeof meta?.code === "string" ? { code: meta.code } : record.cause);
  }
  return undefined;
}

const databaseDown = (cause: unknown) =>
  unavailable("database", "Kiln's database is not answering. Try again in a minute; if it persists, tell your Hub admin.", cause);

export function fromDatabaseError(error: unknown): AppError | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    switch (error.code) {
      case "P2025":
      case "P2001":
      case "P2015":
        return new AppError("not_found", 404, "There is no such record. It may have been deleted; reload the page.", { cause: error });
      case "P2002":
        return new AppError("conflict", 409, "That already exists. Reload the page to see it.", { cause: error });
      case "P2003":
      case "P2014":
        return new AppError("conflict", 409, "That record is still in use or was just removed. Reload the page and try again.", { cause: error });
      case "P2000":
      case "P2005":
      case "P2006":
      case "P2007":
      case "P2009":
      case "P2019":
      case "P2020":
      case "P2023":
        return badRequest("A value in the request is not valid (too long, out of range or malformed). Check it and try again.");
      case "P1001":
      case "P1002":
      case "P1008":
      case "P1017":
      case "P2024":
      case "P2028":
      case "P2034":
        return databaseDown(error);
    }
  }
  if (error instanceof Prisma.PrismaClientValidationError) {
    return badRequest("A value in the request is not valid (out of range or malformed). Check it and try again.");
  }
  if (error instanceof Prisma.PrismaClientInitializationError) return databaseDown(error);
  const state = sqlState(error);
  if (!state) return undefined;
  // 22: data exception (bad input syntax, out of range, invalid byte sequence such as NUL).
  if (state.startsWith("22")) return badRequest("A value in the request is not valid (out of range or malformed). Check it and try again.");
  if (state === "23505") return new AppError("conflict", 409, "That already exists. Reload the page to see it.", { cause: error });
  if (state.startsWith("23")) return new AppError("conflict", 409, "That record is still in use or was just removed. Reload the page and try again.", { cause: error });
  // 08: connection; 57P: shutdown; 53: out of resources; 40001/40P01: serialisation, deadlock.
  if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state === "40001" || state === "40P01") return databaseDown(error);
  return undefined;
}
