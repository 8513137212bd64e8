import "server-only";
import { isTransientDatabaseError, sqlState } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError, badRequest, unavailable } from "./errors";

// Maps Prisma's and PostgreSQL's known errors to the 4xx/503 they mean, by code, as formbricks'
// prisma-error mapping does. Anything else stays unknown (a logged 500).

const databaseDown = (cause: unknown) =>
  unavailable("database", "Kiln's database is not answering. Try again in a minute; if it persists, tell your Hub admin.", cause);

export function fromDatabaseError(error: unknown): AppError | undefined {
  // Away, busy or slow (the same classification the build runner retries on).
  if (error instanceof Prisma.PrismaClientInitializationError || isTransientDatabaseError(error)) return databaseDown(error);
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
    }
  }
  if (error instanceof Prisma.PrismaClientValidationError) {
    return badRequest("A value in the request is not valid (out of range or malformed). Check it and try again.");
  }
  const state = sqlState(error);
  if (!state) return undefined;
  // 22: data exception (bad input syntax, out of range, invalid byte sequence such as NUL).
  if (state.startsWith("22")) return badRequest("A value in the request is not valid (out of range or malformed). Check it and try again.");
  if (state === "23505") return new AppError("conflict", 409, "That already exists. Reload the page to see it.", { cause: error });
  if (state.startsWith("23")) return new AppError("conflict", 409, "That record is still in use or was just removed. Reload the page and try again.", { cause: error });
  return undefined;
}
