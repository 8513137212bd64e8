import { z } from "zod";
import { adminSummarySchema, cleanupPreviewSchema, cleanupRunSchema, dashboardSchema } from "@/lib/admin/schema";
import { auditExportQuerySchema, auditPageSchema, auditQuerySchema } from "@/lib/audit/schema";
import { kilnUserSchema } from "@/lib/auth/identity";
import { banRuleInputSchema, banRuleSchema, banRulesResponseSchema, banTestResultSchema, banTestSchema } from "@/lib/bans/schema";
import { buildIdParamsSchema, buildViewSchema, rawLogQuerySchema, requestBuildResponseSchema } from "@/lib/builds/schema";
import { healthReportSchema, publicHealthSchema } from "@/lib/health/schema";
import { launchRequestSchema, launchResultSchema, progressParamsSchema, serverParamsSchema, serversResponseSchema } from "@/lib/launches/schema";
import {
  deleteResultSchema,
  entryIdParamsSchema,
  libraryEntrySchema,
  libraryQuerySchema,
  libraryResponseSchema,
  libraryUpdatesResponseSchema,
  visibilityPatchSchema,
} from "@/lib/library/schema";
import {
  featuredListSchema,
  moderatedListSchema,
  moderationActionSchema,
  moderationQuerySchema,
  moderationResultSchema,
  reportDismissSchema,
  reportInputSchema,
} from "@/lib/moderation/schema";
import { markReadSchema, notificationsResponseSchema } from "@/lib/notifications/schema";
import { policySchema, usageSchema } from "@/lib/policy/schema";
import { launchRequestSchema as buildRequestSchema } from "@/lib/repos/types";

// Every HTTP operation Kiln serves, as one contract: the route wrapper parses requests with these
// schemas and the OpenAPI document (lib/api/openapi.ts) is generated from the same objects, so
// the two cannot drift. lib/api/operations.test.ts checks each route file serves its operation.

/** Who may call: anyone, a signed-in user (session or Hub API token), a moderator, only JupyterHub itself, or a metrics reader (a Hub token with read:metrics). */
export type Access = "public" | "user" | "moderator" | "hub" | "metrics";
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A response Kiln sends: JSON validated by `schema`, or another kind of body described in words. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when there is a schema. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Operation<
  A extends Access = Access,
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Body extends z.ZodType = z.ZodType,
> {
  /** Names the operation in the document (operationId). */
  id: string;
  method: Method;
  /** Below Kiln's base URL, OpenAPI style (`/api/library/{id}`). */
  path: string;
  tag: "Builds" | "Library" | "Launches" | "Account" | "Moderation" | "BinderHub-compatible" | "JupyterHub" | "Service";
  summary: string;
  description?: string;
  access: A;
  /** Path parameters; a value that does not fit is a 404 (no such thing can exist). */
  params?: Params;
  query?: Query;
  body?: Body;
  /**
   * Only a Hub API token may call it, never the session cookie: the build API starts work on a
   * GET and hands out a server token, which no page may do with a visitor's cookie.
   */
  tokenOnly?: boolean;
  /**
   * What a Hub API token needs to call it: "write" (the write scope) or "read" (access to Kiln).
   * Defaults to "read" for GET and "write" otherwise (tokenNeedsWrite).
   */
  tokenScope?: "read" | "write";
  /**
   * Errors become one Server-Sent Event {"phase": "failed", "status_code": N, "message": …}, as
   * BinderHub's build API sends them: in a 200 when the request is refused (a bad spec, a ban),
   * with their own status when the caller is (no token, too many requests).
   */
  errorsAsEvents?: boolean;
  /** Successful answers by status. */
  responses: Record<number, ResponseSpec>;
  /** Errors this operation may answer beyond those every operation of its access level may. */
  errors?: Record<number, string>;
}

/** Keeps each operation's schema types for the route wrapper, checked against Operation. */
function operation<A extends Access, Params extends z.ZodType = z.ZodUndefined, Query extends z.ZodType = z.ZodUndefined, Body extends z.ZodType = z.ZodUndefined>(
  spec: Operation<A, Params, Query, Body>,
): Operation<A, Params, Query, Body> {
  return spec;
}

/** Whether a Hub API token needs Kiln's write scope for this operation. */
export function tokenNeedsWrite(op: Pick<Operation, "method" | "tokenScope">): boolean {
  return (op.tokenScope ?? (op.method === "GET" ? "read" : "write")) === "write";
}

const json = (schema: z.ZodType, description: string): ResponseSpec => ({ schema, description });
const reason = z.string().trim().max(500).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "Write the reason without control characters.");
const cleanupDays = z.coerce.number().int().min(1).max(3650);
/** One Server-Sent Event as a client parses it; `data` is JSON, described by the operation. */
export const serverSentEventSchema = z.object({ event: z.string().optional(), data: z.string(), id: z.string().optional(), retry: z.number().int().optional() });
const sseStream = (description: string): ResponseSpec => ({ description, contentType: "text/event-stream", schema: serverSentEventSchema });

export const hubAllowedImagesQuerySchema = z.object({ user: z.string().min(1) }).strict();
export const hubSpawnCheckSchema = z
  .object({ user: z.string().min(1).max(255), server: z.string().max(255), image: z.string().max(1024).nullable(), ticket: z.string().max(200).optional() })
  .strict();
// BinderHub's own client adds build_token, so other parameters are let through rather than refused.
export const buildApiQuerySchema = z.looseObject({ build_only: z.string().optional() });
export const buildApiParamsSchema = z.object({ spec: z.array(z.string()).min(1) }).strict();
export const repoRedirectParamsSchema = z.object({ parts: z.array(z.string()) }).strict();
export const removeServerQuerySchema = z.object({ remove: z.enum(["0", "1"]).default("0") }).strict();

/** What asking for a build answers, whether a new one or a rebuild. */
const buildRequested = {
  responses: { 200: json(requestBuildResponseSchema, "Joined a running build, or the image is ready"), 201: json(requestBuildResponseSchema, "A build was queued") },
  errors: { 403: "The repository is banned on this Hub", 409: "Conflict", 429: "A quota is reached" },
};

export const operations = {
  requestBuild: operation({
    id: "requestBuild",
    method: "POST",
    path: "/api/builds",
    tag: "Builds",
    summary: "Build a repository (or find its image ready) and add it to your library",
    description:
      "Resolves the ref to a commit or record version and names the image as BinderHub does. 201 when a build was queued; 200 when one already running was joined or the image is ready.",
    access: "user",
    body: buildRequestSchema,
    ...buildRequested,
  }),
  build: operation({
    id: "getBuild",
    method: "GET",
    path: "/api/builds/{id}",
    tag: "Builds",
    summary: "A build's state",
    access: "user",
    params: buildIdParamsSchema,
    responses: { 200: json(buildViewSchema, "The build") },
    errors: { 403: "Someone else's build" },
  }),
  cancelBuild: operation({
    id: "cancelBuild",
    method: "POST",
    path: "/api/builds/{id}/cancel",
    tag: "Builds",
    summary: "Cancel a queued or running build you asked for",
    access: "user",
    params: buildIdParamsSchema,
    responses: { 200: json(buildViewSchema, "The build, cancelled") },
    errors: { 403: "Someone else's build", 409: "The build has already finished" },
  }),
  buildEvents: operation({
    id: "buildEvents",
    method: "GET",
    path: "/api/builds/{id}/events",
    tag: "Builds",
    summary: "The build's log and phases, live (Server-Sent Events)",
    description:
      "Events: `lines` ({lines: [{seq, text, at}]}, id = the last line's seq), `phase` ({status, …}), `done`. Send `Last-Event-ID` (or `?lastEventId=`) to resume after a line.",
    access: "user",
    params: buildIdParamsSchema,
    responses: { 200: sseStream("An event stream that ends when the build does") },
    errors: { 403: "Someone else's build", 429: "Too many streams open" },
  }),
  buildLog: operation({
    id: "buildLog",
    method: "GET",
    path: "/api/builds/{id}/log",
    tag: "Builds",
    summary: "Download the build's whole log as text",
    access: "user",
    params: buildIdParamsSchema,
    query: rawLogQuerySchema,
    responses: { 200: { description: "The log, one line per line; with timestamps=1 each starts with when Kiln stored it", contentType: "text/plain", schema: z.string() } },
    errors: { 403: "Someone else's build" },
  }),
  library: operation({
    id: "listLibrary",
    method: "GET",
    path: "/api/library",
    tag: "Library",
    summary: "Your library, or what is shared with everyone, a page at a time (newest first)",
    access: "user",
    query: libraryQuerySchema,
    responses: { 200: json(libraryResponseSchema, "A page of entries and the cursor of the next") },
  }),
  libraryUpdates: operation({
    id: "libraryUpdates",
    method: "GET",
    path: "/api/library/updates",
    tag: "Library",
    summary: "Which followed branches of your entries have moved since they were built",
    access: "user",
    responses: { 200: json(libraryUpdatesResponseSchema, "Entries with newer commits") },
  }),
  setVisibility: operation({
    id: "setVisibility",
    method: "PATCH",
    path: "/api/library/{id}",
    tag: "Library",
    summary: "Make your entry private or shared with everyone",
    access: "user",
    params: entryIdParamsSchema,
    body: visibilityPatchSchema,
    responses: { 200: json(libraryEntrySchema, "The entry") },
    errors: { 409: "The entry cannot be shared as it is" },
  }),
  deleteEntry: operation({
    id: "deleteEntry",
    method: "DELETE",
    path: "/api/library/{id}",
    tag: "Library",
    summary: "Remove your entry (and its image once nothing uses it)",
    access: "user",
    params: entryIdParamsSchema,
    responses: { 200: json(deleteResultSchema, "What was removed") },
    errors: { 409: "A server runs the image" },
  }),
  rebuildEntry: operation({
    id: "rebuildEntry",
    method: "POST",
    path: "/api/library/{id}/rebuild",
    tag: "Library",
    summary: "Build an entry again (a followed branch at its newest commit)",
    access: "user",
    params: entryIdParamsSchema,
    ...buildRequested,
  }),
  reportEntry: operation({
    id: "reportEntry",
    method: "POST",
    path: "/api/library/{id}/reports",
    tag: "Library",
    summary: "Report a shared entry to the moderators",
    access: "user",
    params: entryIdParamsSchema,
    body: reportInputSchema,
    responses: { 201: json(moderationResultSchema, "The report was filed") },
    errors: { 409: "Already reported, your own, or not shared", 429: "Too many reports" },
  }),
  launch: operation({
    id: "launch",
    method: "POST",
    path: "/api/launches",
    tag: "Launches",
    summary: "Start a named server on the Hub from a library entry's image",
    access: "user",
    body: launchRequestSchema,
    responses: { 200: json(launchResultSchema, "The server, and where to open it once ready") },
    errors: { 404: "No such entry in your library", 409: "Not built, or a server limit is reached", 410: "The image is gone", 429: "A quota is reached", 502: "The Hub could not start it" },
  }),
  launchProgress: operation({
    id: "launchProgress",
    method: "GET",
    path: "/api/launches/{server}/progress",
    tag: "Launches",
    summary: "The Hub's progress events for one of your servers (Server-Sent Events, relayed)",
    access: "user",
    params: progressParamsSchema,
    responses: { 200: sseStream("JupyterHub's progress events, as the Hub sends them") },
  }),
  servers: operation({
    id: "listServers",
    method: "GET",
    path: "/api/servers",
    tag: "Launches",
    summary: "Your servers on the Hub and what each runs",
    access: "user",
    responses: { 200: json(serversResponseSchema, "Your servers") },
  }),
  stopServer: operation({
    id: "stopServer",
    method: "DELETE",
    path: "/api/servers/{name}",
    tag: "Launches",
    summary: "Stop one of your servers (remove=1 also removes it from the Hub)",
    access: "user",
    params: serverParamsSchema,
    query: removeServerQuerySchema,
    responses: { 200: json(z.object({ stopped: z.string(), removed: z.boolean() }).strict(), "Stopped") },
  }),
  featured: operation({
    id: "listFeatured",
    method: "GET",
    path: "/api/featured",
    tag: "Library",
    summary: "Entries the moderators feature on the Launch page",
    access: "user",
    responses: { 200: json(featuredListSchema, "Featured entries") },
  }),
  me: operation({
    id: "me",
    method: "GET",
    path: "/api/me",
    tag: "Account",
    summary: "Who you are to Kiln",
    access: "user",
    responses: { 200: json(kilnUserSchema, "You") },
  }),
  usage: operation({
    id: "usage",
    method: "GET",
    path: "/api/me/usage",
    tag: "Account",
    summary: "Your use of each quota",
    access: "user",
    responses: { 200: json(usageSchema, "Use and limits") },
  }),
  notifications: operation({
    id: "listNotifications",
    method: "GET",
    path: "/api/notifications",
    tag: "Account",
    summary: "Your notifications",
    access: "user",
    responses: { 200: json(notificationsResponseSchema, "Notifications, newest first") },
  }),
  markNotificationsRead: operation({
    id: "markNotificationsRead",
    method: "POST",
    path: "/api/notifications",
    tag: "Account",
    summary: "Mark notifications read",
    access: "user",
    body: markReadSchema,
    responses: { 200: json(notificationsResponseSchema, "Notifications after marking") },
  }),
  adminShared: operation({
    id: "listModerated",
    method: "GET",
    path: "/api/admin/shared",
    tag: "Moderation",
    summary: "Shared entries to moderate, with their reports",
    access: "moderator",
    query: moderationQuerySchema,
    responses: { 200: json(moderatedListSchema, "Entries") },
  }),
  moderateEntry: operation({
    id: "moderateEntry",
    method: "POST",
    path: "/api/admin/shared/{id}",
    tag: "Moderation",
    summary: "Approve, hide, feature, unshare or delete a shared entry",
    access: "moderator",
    params: entryIdParamsSchema,
    body: moderationActionSchema,
    responses: { 200: json(moderationResultSchema, "What was done") },
    errors: { 409: "The action does not apply to the entry as it is" },
  }),
  dismissReport: operation({
    id: "dismissReport",
    method: "POST",
    path: "/api/admin/reports/{id}",
    tag: "Moderation",
    summary: "Dismiss a report",
    access: "moderator",
    params: entryIdParamsSchema,
    body: reportDismissSchema,
    responses: { 200: json(moderationResultSchema, "What was done") },
  }),
  bans: operation({
    id: "listBans",
    method: "GET",
    path: "/api/admin/bans",
    tag: "Moderation",
    summary: "Banned repositories",
    access: "moderator",
    responses: { 200: json(banRulesResponseSchema, "Ban rules") },
  }),
  createBan: operation({
    id: "createBan",
    method: "POST",
    path: "/api/admin/bans",
    tag: "Moderation",
    summary: "Ban repositories by pattern",
    access: "moderator",
    body: banRuleInputSchema,
    responses: { 201: json(banRuleSchema, "The rule") },
    errors: { 409: "The same rule exists" },
  }),
  deleteBan: operation({
    id: "deleteBan",
    method: "DELETE",
    path: "/api/admin/bans/{id}",
    tag: "Moderation",
    summary: "Lift a ban",
    access: "moderator",
    params: entryIdParamsSchema,
    query: z.object({ reason: reason.optional() }).strict(),
    responses: { 204: { description: "Lifted" } },
  }),
  testBans: operation({
    id: "testBans",
    method: "POST",
    path: "/api/admin/bans/test",
    tag: "Moderation",
    summary: "Which rules (and a draft rule) would refuse a repository; changes nothing",
    access: "moderator",
    tokenScope: "read",
    body: banTestSchema,
    responses: { 200: json(banTestResultSchema, "The rules that match") },
  }),
  policy: operation({
    id: "getPolicy",
    method: "GET",
    path: "/api/admin/policy",
    tag: "Moderation",
    summary: "Quotas, limits and the clean-up policy",
    access: "moderator",
    responses: { 200: json(policySchema, "The policy") },
  }),
  savePolicy: operation({
    id: "savePolicy",
    method: "PUT",
    path: "/api/admin/policy",
    tag: "Moderation",
    summary: "Change the policy",
    access: "moderator",
    body: z.object({ policy: policySchema, reason: reason.optional() }).strict(),
    responses: { 200: json(policySchema, "The policy saved") },
  }),
  summary: operation({
    id: "adminSummary",
    method: "GET",
    path: "/api/admin/summary",
    tag: "Moderation",
    summary: "How many people use Kiln",
    access: "moderator",
    responses: { 200: json(adminSummarySchema, "Counts") },
  }),
  dashboard: operation({
    id: "dashboard",
    method: "GET",
    path: "/api/admin/dashboard",
    tag: "Moderation",
    summary: "Builds running and queued, servers, storage",
    access: "moderator",
    responses: { 200: json(dashboardSchema, "The dashboard") },
  }),
  audit: operation({
    id: "listAudit",
    method: "GET",
    path: "/api/admin/audit",
    tag: "Moderation",
    summary: "The audit log, a page at a time",
    access: "moderator",
    query: auditQuerySchema,
    responses: { 200: json(auditPageSchema, "Events, newest first") },
  }),
  auditExport: operation({
    id: "exportAudit",
    method: "GET",
    path: "/api/admin/audit/export",
    tag: "Moderation",
    summary: "Download the audit log (CSV or JSON lines), streamed",
    access: "moderator",
    query: auditExportQuerySchema,
    responses: { 200: { description: "CSV (format=csv) or one JSON object per line (format=jsonl)", contentType: "text/csv", schema: z.string() } },
  }),
  cleanupPreview: operation({
    id: "cleanupPreview",
    method: "GET",
    path: "/api/admin/cleanup",
    tag: "Moderation",
    summary: "What a clean-up would remove now (dry run)",
    access: "moderator",
    query: z.object({ days: cleanupDays.optional() }).strict(),
    responses: { 200: json(cleanupPreviewSchema, "Unused private images") },
  }),
  cleanupRun: operation({
    id: "cleanupRun",
    method: "POST",
    path: "/api/admin/cleanup",
    tag: "Moderation",
    summary: "Remove private images unused for that many days",
    access: "moderator",
    body: z.object({ days: z.number().int().min(1).max(3650).optional() }).strict(),
    responses: { 200: json(cleanupRunSchema, "What was removed and what was kept") },
  }),
  health: operation({
    id: "health",
    method: "GET",
    path: "/api/health",
    tag: "Service",
    summary: "Whether the database, the engine and the Hub answer (moderators also see versions and timings)",
    access: "public",
    responses: { 200: json(z.union([healthReportSchema, publicHealthSchema]), "Every part answers") },
    errors: { 503: "A part is down (same body)" },
  }),
  dataverseInstallations: operation({
    id: "dataverseInstallations",
    method: "GET",
    path: "/api/dataverse-installations",
    tag: "Service",
    summary: "The Dataverse installations Kiln builds from (read by repo2docker)",
    access: "public",
    responses: { 200: json(z.object({ installations: z.array(z.object({ name: z.string(), hostname: z.string() })) }), "Installations") },
  }),
  openapi: operation({
    id: "openapi",
    method: "GET",
    path: "/api/openapi.json",
    tag: "Service",
    summary: "This document",
    access: "public",
    responses: { 200: { description: "OpenAPI 3.1", schema: z.record(z.string(), z.unknown()) } },
  }),
  metrics: operation({
    id: "metrics",
    method: "GET",
    path: "/metrics",
    tag: "Service",
    summary: "Prometheus metrics: builds, launches, log lines, viewers, engine and Hub errors, the library, the process",
    description:
      "Prometheus' text format. Guarded as JupyterHub's /hub/metrics: a Hub API token with the read:metrics scope (unless KILN_METRICS_AUTHENTICATE=false). Where BinderHub has the same metric, it has BinderHub's name and labels; the list is in the README.",
    access: "metrics",
    responses: { 200: { description: "The metrics, in Prometheus' text exposition format", contentType: "text/plain; version=0.0.4" } },
    errors: { 401: "No Hub API token", 403: "The token lacks the read:metrics scope", 503: "The Hub did not answer whether the token may read metrics" },
  }),
  hubAllowedImages: operation({
    id: "hubAllowedImages",
    method: "GET",
    path: "/api/hub/allowed-images",
    tag: "JupyterHub",
    summary: "The images a user may run (asked by the Hub's spawner)",
    access: "hub",
    query: hubAllowedImagesQuerySchema,
    responses: { 200: json(z.object({ images: z.array(z.string()) }), "Image names") },
  }),
  hubSpawnCheck: operation({
    id: "hubSpawnCheck",
    method: "POST",
    path: "/api/hub/spawn-check",
    tag: "JupyterHub",
    summary: "Whether a start within the Hub keeps the user's quotas (asked by the Hub before every start)",
    access: "hub",
    body: hubSpawnCheckSchema,
    responses: { 200: json(z.object({ allowed: z.literal(true) }), "Allowed") },
    errors: { 429: "A quota is reached" },
  }),
  buildApi: operation({
    id: "binderBuild",
    method: "GET",
    path: "/build/{provider}/{spec}",
    tag: "BinderHub-compatible",
    summary: "BinderHub's build API: build and launch, reported as BinderHub's events",
    description:
      "For Thebe and other BinderHub clients, with a Hub API token only. `spec` is the rest of a launch link's spec (`org/repo/ref`). Events: {phase: waiting|fetching|building|pushing|built|launching|ready|failed, message, …}; `ready` carries url and token. Errors come as one failed event with status_code.",
    access: "user",
    tokenOnly: true,
    // A GET that builds and starts a server.
    tokenScope: "write",
    errorsAsEvents: true,
    params: buildApiParamsSchema,
    query: buildApiQuerySchema,
    responses: { 200: sseStream("BinderHub's build events; a refusal (bad spec, banned, quota) is one failed event") },
    errors: { 401: "No valid Hub API token (sent as one failed event)", 403: "The token may not use Kiln (sent as one failed event)", 429: "Too many requests (sent as one failed event)" },
  }),
  badge: operation({
    id: "badge",
    method: "GET",
    path: "/badge.svg",
    tag: "BinderHub-compatible",
    summary: "The launch badge",
    access: "public",
    responses: { 200: { description: "An SVG image", contentType: "image/svg+xml", schema: z.string() } },
  }),
  badgeLogo: operation({
    id: "badgeLogo",
    method: "GET",
    path: "/badge_logo.svg",
    tag: "BinderHub-compatible",
    summary: "The launch badge with a logo",
    access: "public",
    responses: { 200: { description: "An SVG image", contentType: "image/svg+xml", schema: z.string() } },
  }),
  repoRedirect: operation({
    id: "repoRedirect",
    method: "GET",
    path: "/repo/{org}/{repository}",
    tag: "BinderHub-compatible",
    summary: "mybinder.org's first link form, redirected to /v2/gh/org/repository/master",
    access: "public",
    params: repoRedirectParamsSchema,
    responses: { 302: { description: "To the launch link", headers: { location: "The /v2/ launch link" } } },
  }),
} as const;

export type OperationName = keyof typeof operations;
