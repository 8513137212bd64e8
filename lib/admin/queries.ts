import { z } from "zod";
import { fetchJson } from "@/lib/api/fetch-json";
import { sendJson } from "@/lib/api/send-json";
import { auditPageSchema, type AuditPage, type AuditQuery } from "@/lib/audit/schema";
import { banRuleSchema, banRulesResponseSchema, banTestResultSchema, type BanRuleInput, type BanRuleView, type BanTestResult } from "@/lib/bans/schema";
import { moderatedListSchema, moderationResultSchema, type ModeratedEntry, type ModerationAction, type ModerationQuery } from "@/lib/moderation/schema";
import { policySchema, type Policy } from "@/lib/policy/schema";
import { cleanupPreviewSchema, cleanupRunSchema, dashboardSchema, type CleanupRun, type Dashboard } from "./schema";

// The browser's client for the moderator API, and its react-query keys.

export const adminSummarySchema = z.object({ users: z.number().int().nonnegative() }).strict();
export type AdminSummary = z.infer<typeof adminSummarySchema>;

export const adminKeys = {
  all: ["admin"] as const,
  summary: () => [...adminKeys.all, "summary"] as const,
  dashboard: () => [...adminKeys.all, "dashboard"] as const,
  shared: (query: ModerationQuery) => [...adminKeys.all, "shared", query] as const,
  bans: () => [...adminKeys.all, "bans"] as const,
  policy: () => [...adminKeys.all, "policy"] as const,
  audit: (query: AuditQuery) => [...adminKeys.all, "audit", query] as const,
  cleanup: (days: number | null) => [...adminKeys.all, "cleanup", days] as const,
};

const search = (query: object) =>
  new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== "") as [string, string][]).toString();

export async function fetchAdminSummary(): Promise<AdminSummary> {
  return adminSummarySchema.parse(await fetchJson("/api/admin/summary"));
}

export async function fetchDashboard(): Promise<Dashboard> {
  return dashboardSchema.parse(await fetchJson("/api/admin/dashboard"));
}

export async function fetchModerated(query: ModerationQuery): Promise<ModeratedEntry[]> {
  return moderatedListSchema.parse(await fetchJson(`/api/admin/shared?${search(query)}`)).entries;
}

export async function postModeration(entryId: number, action: ModerationAction): Promise<string> {
  return moderationResultSchema.parse(await sendJson(`/api/admin/shared/${entryId}`, "POST", action)).message;
}

export async function dismissReport(reportId: number, reason: string): Promise<string> {
  return moderationResultSchema.parse(await sendJson(`/api/admin/reports/${reportId}`, "POST", { action: "dismiss", reason })).message;
}

export async function fetchBans(): Promise<BanRuleView[]> {
  return banRulesResponseSchema.parse(await fetchJson("/api/admin/bans")).rules;
}

export async function postBan(input: BanRuleInput): Promise<BanRuleView> {
  return banRuleSchema.parse(await sendJson("/api/admin/bans", "POST", input));
}

export async function deleteBan(id: number): Promise<void> {
  await fetchJson(`/api/admin/bans/${id}`, { method: "DELETE" });
}

export async function testBans(input: { repository: string; user: string; draft?: { kind: BanRuleInput["kind"]; pattern: string } }): Promise<BanTestResult> {
  return banTestResultSchema.parse(await sendJson("/api/admin/bans/test", "POST", input));
}

export async function fetchPolicy(): Promise<Policy> {
  return policySchema.parse(await fetchJson("/api/admin/policy"));
}

export async function putPolicy(policy: Policy, reason: string): Promise<Policy> {
  return policySchema.parse(await sendJson("/api/admin/policy", "PUT", { policy, ...(reason ? { reason } : {}) }));
}

export async function fetchAudit(query: AuditQuery): Promise<AuditPage> {
  return auditPageSchema.parse(await fetchJson(`/api/admin/audit?${search(query)}`));
}

export function auditExportPath(query: Omit<AuditQuery, "before">, format: "csv" | "jsonl"): string {
  return `/api/admin/audit/export?${search({ ...query, format })}`;
}

export async function fetchCleanupPreview(days: number | null) {
  return cleanupPreviewSchema.parse(await fetchJson(`/api/admin/cleanup${days ? `?days=${days}` : ""}`));
}

export async function postCleanup(days: number | null): Promise<CleanupRun> {
  return cleanupRunSchema.parse(await sendJson("/api/admin/cleanup", "POST", days ? { days } : {}));
}
