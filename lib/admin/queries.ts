import { fetchJson } from "@/lib/api/fetch-json";
import { sendJson } from "@/lib/api/send-json";
import type { AuditPage, AuditQuery } from "@/lib/audit/schema";
import type { BanRuleInput, BanRulesResponse, BanRuleView, BanTestResult } from "@/lib/bans/schema";
import type { ModeratedEntry, ModeratedList, ModerationAction, ModerationQuery, ModerationResult } from "@/lib/moderation/schema";
import type { Policy } from "@/lib/policy/schema";
import type { AdminSummary, CleanupPreview, CleanupRun, Dashboard } from "./schema";

// The browser's client for the moderator API, and its react-query keys. Answers are not parsed
// here: the server parses what it sends, and leaving zod out keeps it out of the admin pages' JavaScript.

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
  return fetchJson<AdminSummary>("/api/admin/summary");
}

export async function fetchDashboard(): Promise<Dashboard> {
  return fetchJson<Dashboard>("/api/admin/dashboard");
}

export async function fetchModerated(query: ModerationQuery): Promise<ModeratedEntry[]> {
  return (await fetchJson<ModeratedList>(`/api/admin/shared?${search(query)}`)).entries;
}

export async function postModeration(entryId: number, action: ModerationAction): Promise<string> {
  return (await sendJson<ModerationResult>(`/api/admin/shared/${entryId}`, "POST", action)).message;
}

export async function dismissReport(reportId: number, reason: string): Promise<string> {
  return (await sendJson<ModerationResult>(`/api/admin/reports/${reportId}`, "POST", { action: "dismiss", reason })).message;
}

export async function fetchBans(): Promise<BanRuleView[]> {
  return (await fetchJson<BanRulesResponse>("/api/admin/bans")).rules;
}

export async function postBan(input: BanRuleInput): Promise<BanRuleView> {
  return sendJson<BanRuleView>("/api/admin/bans", "POST", input);
}

export async function deleteBan(id: number): Promise<void> {
  await fetchJson(`/api/admin/bans/${id}`, { method: "DELETE" });
}

export async function testBans(input: { repository: string; user: string; draft?: { kind: BanRuleInput["kind"]; pattern: string } }): Promise<BanTestResult> {
  return sendJson<BanTestResult>("/api/admin/bans/test", "POST", input);
}

export async function fetchPolicy(): Promise<Policy> {
  return fetchJson<Policy>("/api/admin/policy");
}

export async function putPolicy(policy: Policy, reason: string): Promise<Policy> {
  return sendJson<Policy>("/api/admin/policy", "PUT", { policy, ...(reason ? { reason } : {}) });
}

export async function fetchAudit(query: AuditQuery): Promise<AuditPage> {
  return fetchJson<AuditPage>(`/api/admin/audit?${search(query)}`);
}

export function auditExportPath(query: Omit<AuditQuery, "before">, format: "csv" | "jsonl"): string {
  return `/api/admin/audit/export?${search({ ...query, format })}`;
}

export async function fetchCleanupPreview(days: number | null): Promise<CleanupPreview> {
  return fetchJson<CleanupPreview>(`/api/admin/cleanup${days ? `?days=${days}` : ""}`);
}

export async function postCleanup(days: number | null): Promise<CleanupRun> {
  return sendJson<CleanupRun>("/api/admin/cleanup", "POST", days ? { days } : {});
}
