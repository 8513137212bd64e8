import { z } from "zod";
import { fetchJson } from "@/lib/api/fetch-json";

export const adminSummarySchema = z.object({ users: z.number().int().nonnegative() }).strict();
export type AdminSummary = z.infer<typeof adminSummarySchema>;

export const adminKeys = {
  all: ["admin"] as const,
  summary: () => [...adminKeys.all, "summary"] as const,
};

export async function fetchAdminSummary(): Promise<AdminSummary> {
  return adminSummarySchema.parse(await fetchJson("/api/admin/summary"));
}
