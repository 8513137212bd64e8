import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { AppError, badRequest, forbidden, notSignedIn } from "./errors";
import { currentUser, type KilnUser } from "@/lib/auth/session";
import { ConfigError } from "@/lib/env";

type Access = "public" | "user" | "moderator";

interface RouteOptions<Query extends z.ZodType, Body extends z.ZodType> {
  access: Access;
  query?: Query;
  body?: Body;
}

/** RFC 9457 problem details, the one error shape every route returns. */
export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return NextResponse.json(
    { type: `about:blank#${code}`, title: code.replaceAll("_", " "), status, code, detail, ...extra },
    { status, headers: { "content-type": "application/problem+json" } },
  );
}

/**
 * The one route wrapper: resolves the session, enforces access, parses query and body with zod,
 * and maps every error to problem+json so handlers never repeat try/catch.
 */
export function route<Query extends z.ZodType = z.ZodUndefined, Body extends z.ZodType = z.ZodUndefined>(
  options: RouteOptions<Query, Body>,
  handler: (ctx: {
    request: NextRequest;
    user: KilnUser | null;
    query: z.infer<Query>;
    body: z.infer<Body>;
    params: Record<string, string>;
  }) => Promise<Response | unknown>,
) {
  return async (request: NextRequest, context: { params?: Promise<Record<string, string>> }) => {
    try {
      const user = options.access === "public" ? await currentUser().catch(() => null) : await currentUser();
      if (options.access !== "public" && !user) throw notSignedIn();
      if (options.access === "moderator" && !user?.isModerator) throw forbidden("use Kiln's admin pages");

      const query = options.query ? parseOrThrow(options.query, Object.fromEntries(request.nextUrl.searchParams)) : undefined;
      const body = options.body ? parseOrThrow(options.body, await readJson(request)) : undefined;
      const params = (await context.params) ?? {};
      const result = await handler({ request, user, query: query as z.infer<Query>, body: body as z.infer<Body>, params });
      return result instanceof Response ? result : NextResponse.json(result);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
  throw badRequest(fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join("; "), fields);
}

async function readJson(request: NextRequest): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw badRequest("The request body must be JSON.");
  }
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) {
    if (error.status >= 500) console.error(`[kiln] ${error.code}: ${error.message}`, error.cause ?? "");
    return problem(error.status, error.code, error.userMessage, error.details ? { errors: error.details } : {});
  }
  if (error instanceof ConfigError) {
    console.error(`[kiln] ${error.message}`);
    return problem(500, "misconfigured", "Kiln is misconfigured; the server log says which setting to fix.");
  }
  console.error("[kiln] unexpected error", error);
  return problem(500, "internal_error", "Something went wrong on Kiln's side. Try again; if it persists, tell your Hub admin.");
}
