import "server-only";
import { timingSafeEqual } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { bearerToken, holderOfToken, readOnlyToken } from "@/lib/auth/api-tokens";
import { XSRF_HEADER } from "@/lib/auth/cookies";
import { currentSession, type KilnSession, type KilnUser } from "@/lib/auth/session";
import { confirmModerator } from "@/lib/auth/sessions";
import { xsrfTokenMatches } from "@/lib/auth/xsrf";
import { tokenNeedsWrite, type Access, type Operation } from "@/lib/api/operations";
import { ConfigError, serverEnv, trustedOrigins } from "@/lib/env";
import { log, requestLog } from "@/lib/log";
import { assertMetricsReader } from "@/lib/metrics/access";
import { metrics } from "@/lib/metrics/registry";
import type { Logger } from "pino";
import { AppError, badRequest, forbidden, notSignedIn } from "./errors";
import { fromDatabaseError } from "./prisma-errors";
import { problem } from "./problem";
import { consumeRequest } from "./rate-limit";

export { problem };

/** What the handler gets: a non-null user exactly when the access level guarantees one. */
type Context<A extends Access, Params extends z.ZodType, Query extends z.ZodType, Body extends z.ZodType> = {
  request: NextRequest;
  user: A extends "public" | "hub" | "metrics" ? KilnUser | null : KilnUser;
  params: z.infer<Params>;
  query: z.infer<Query>;
  body: z.infer<Body>;
  /** The caller's Hub API token, when they called with one, to act as them at the Hub. */
  hubToken: string | null;
};

/** A request answered after this long is logged. */
const SLOW_REQUEST_MS = 5000;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A route handler, carrying the operation it serves (for lib/api/operations.test.ts). */
export type RouteHandler = ((request: NextRequest, context: { params?: Promise<Record<string, string | string[]>> }) => Promise<Response>) & {
  operation: Operation;
};

/**
 * The one route wrapper: serves one operation of lib/api/operations.ts. Resolves the session,
 * enforces access and the same-origin rules for state-changing requests, parses params, query
 * and body with the operation's zod schemas, and maps every error to problem+json so handlers
 * never repeat try/catch.
 */
export function route<A extends Access, Params extends z.ZodType, Query extends z.ZodType, Body extends z.ZodType>(
  options: Operation<A, Params, Query, Body>,
  handler: (ctx: Context<A, Params, Query, Body>) => Promise<Response | unknown>,
): RouteHandler {
  const served = async (request: NextRequest, context: { params?: Promise<Record<string, string | string[]>> }) => {
    const started = performance.now();
    const logger = requestLog(request.headers);
    const answered = (response: Response) => {
      const ms = performance.now() - started;
      metrics().requestDuration.observe({ code: String(response.status), method: request.method, handler: options.id }, ms / 1000);
      // Slow answers are logged with what was asked: the trail when someone reports a hang.
      if (ms >= SLOW_REQUEST_MS) logger.warn({ operation: options.id, status: response.status, ms: Math.round(ms) }, "slow request");
      return response;
    };
    // Errors of the handler itself go out as BinderHub's failed event in a 200 (errorsAsEvents);
    // refusing the caller (authentication, access, rate limit) keeps its status, as BinderHub does.
    let handling = false;
    try {
      const caller =
        options.access === "hub" ? assertHub(request) : options.access === "metrics" ? await assertMetricsReader(request).then(() => null) : await authenticate(request, options.access);
      if ((options.access === "user" || options.access === "moderator") && !caller) throw notSignedIn();
      if (options.access === "moderator" && !caller?.user.isModerator) throw forbidden("use Kiln's admin pages");
      // A token is sent on purpose by its holder; only the ambient cookie needs proof of origin.
      if (caller?.session && options.tokenOnly) {
        throw new AppError("token_required", 401, "Call this with a Hub API token (Authorization: token …), made on the Hub's Token page. In a browser, open the launch link (/v2/…) instead.");
      }
      if (caller?.session && !SAFE_METHODS.has(request.method)) assertSameOrigin(request, caller.session);
      // A token narrowed to reading (no write scope) changes nothing, whoever holds it.
      if (caller && !caller.session && !caller.mayWrite && tokenNeedsWrite(options)) throw readOnlyToken();
      // A moderation action is taken only by someone the Hub says is a moderator right now.
      if (caller && options.access === "moderator" && !SAFE_METHODS.has(request.method)) {
        caller.user = await confirmModerator(caller.hubToken ?? caller.session?.hubToken, Boolean(caller.session));
      }
      if (caller) await consumeRequest(caller.user.name);

      const params = options.params ? parseParams(options.params, (await context.params) ?? {}) : undefined;
      const query = options.query ? parseOrThrow(options.query, Object.fromEntries(request.nextUrl.searchParams)) : undefined;
      const body = options.body ? parseOrThrow(options.body, await readJson(request)) : undefined;
      handling = true;
      const result = await handler({
        request,
        user: (caller?.user ?? null) as Context<A, Params, Query, Body>["user"],
        hubToken: caller?.hubToken ?? null,
        params: params as z.infer<Params>,
        query: query as z.infer<Query>,
        body: body as z.infer<Body>,
      });
      const response = result instanceof Response ? result : NextResponse.json(result);
      // Next answers HEAD with GET's response and never reads its body: an event stream would
      // stay open, holding its viewer slot and its count, unless it is cancelled here.
      if (request.method === "HEAD" && response.body) {
        await response.body.cancel();
        return answered(new Response(null, { status: response.status, headers: response.headers }));
      }
      return answered(response);
    } catch (error) {
      const response = errorResponse(error, logger);
      return answered(options.errorsAsEvents ? await failedEventResponse(response, handling ? 200 : response.status) : response);
    }
  };
  return Object.assign(served, { operation: options as Operation });
}

async function failedEventResponse(problemResponse: Response, status: number): Promise<Response> {
  const problem = (await problemResponse.json()) as { detail?: string };
  const event = { phase: "failed", status_code: problemResponse.status, message: `${problem.detail ?? "Kiln refused this request."}\n` };
  // Keeps WWW-Authenticate and Retry-After; the body is new, so not its length.
  const headers = new Headers(problemResponse.headers);
  headers.delete("content-length");
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  return new Response(`data: ${JSON.stringify(event)}\n\n`, { status, headers });
}

function assertHub(request: NextRequest): null {
  const given = Buffer.from(bearerToken(request.headers.get("authorization")) ?? "");
  const expected = Buffer.from(serverEnv().JUPYTERHUB_API_TOKEN);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError("not_the_hub", 401, "Only JupyterHub may call this.");
  }
  return null;
}

/**
 * Who is calling: a Hub API token (Authorization: token … or Bearer …), else the session cookie.
 * Other schemes (Basic from a proxy in front) are not Kiln's, and are ignored as JupyterHub does.
 * On a public route a token that does not check out leaves the caller anonymous.
 */
type Caller = { user: KilnUser; session?: KilnSession; hubToken: string | null; mayWrite: boolean };

async function authenticate(request: NextRequest, access: Access): Promise<Caller | null> {
  const token = bearerToken(request.headers.get("authorization"));
  if (token) {
    if (access !== "public") return { ...(await holderOfToken(token)), hubToken: token };
    const holder = await holderOfToken(token).catch(() => null);
    return holder ? { ...holder, hubToken: token } : null;
  }
  const session = access === "public" ? await currentSession().catch(() => null) : await currentSession();
  // The signed-in browser acts for its user in full (the same-origin rules guard it instead).
  return session ? { user: session.user, session, hubToken: null, mayWrite: true } : null;
}

const crossSite = () =>
  new AppError("cross_site_request", 403, "Kiln refused this request: it did not come from Kiln's own pages. Reload Kiln and try again.");

/**
 * A state-changing request made with the session cookie must come from Kiln's own pages: a
 * trusted Origin (or Sec-Fetch-Site: same-origin), the session's CSRF token in X-XSRFToken, and
 * a JSON body, which no HTML form can send. Requests without a session never get here.
 */
function assertSameOrigin(request: NextRequest, session: KilnSession): void {
  const origin = request.headers.get("origin");
  const fetchSite = request.headers.get("sec-fetch-site");
  if (origin !== null && !trustedOrigins().has(origin)) throw crossSite();
  if (fetchSite !== null && fetchSite !== "same-origin") throw crossSite();
  if (!xsrfTokenMatches(session.sessionId, request.headers.get(XSRF_HEADER))) {
    throw new AppError("xsrf_missing", 403, "Kiln refused this request: its security token is missing or stale. Reload the page and try again.");
  }
  const hasBody = request.headers.get("content-length") !== null && request.headers.get("content-length") !== "0";
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if ((hasBody || request.headers.has("transfer-encoding")) && type !== "application/json") {
    throw new AppError("unsupported_media_type", 415, "Kiln accepts only JSON (Content-Type: application/json).");
  }
}

function parseParams<T extends z.ZodType>(schema: T, raw: Record<string, string | string[]>): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new AppError("not_found", 404, "There is no such thing here. Check the link.");
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
  throw badRequest(fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join("; "), fields);
}

/** Every request body Kiln accepts is a small JSON object; anything larger is refused unread. */
const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = () => new AppError("body_too_large", 413, `The request body is larger than Kiln accepts (${MAX_BODY_BYTES / 1024} KiB).`);

async function readJson(request: NextRequest): Promise<unknown> {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new AppError("unsupported_media_type", 415, "Send the request body as JSON (Content-Type: application/json).");
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  // Read up to the limit, whatever the (possibly absent or false) Content-Length said.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  while (reader) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw badRequest("The request body must be JSON.");
  }
}

export function errorResponse(error: unknown, logger: Logger = log): Response {
  const mapped = error instanceof AppError ? error : fromDatabaseError(error);
  if (mapped) {
    if (mapped.status >= 500) logger.error({ code: mapped.code, err: mapped.cause ?? mapped }, mapped.message);
    return problem(mapped.status, mapped.code, mapped.userMessage, mapped.details ? { errors: mapped.details } : {}, mapped.headers);
  }
  if (error instanceof ConfigError) {
    logger.error(error.message);
    return problem(500, "misconfigured", "Kiln is misconfigured; the server log says which setting to fix.");
  }
  logger.error({ err: error }, "unexpected error");
  // The id ties what the person saw to the log line above.
  const reqId = (logger.bindings() as { reqId?: string }).reqId;
  return problem(500, "internal_error", `Something went wrong on Kiln's side. Try again; if it persists, tell your Hub admin${reqId ? ` (request ${reqId})` : ""}.`);
}
