import { fetchJson } from "@/lib/api/fetch-json";
import { sendJson } from "@/lib/api/send-json";
import { usageSchema, type UsageView } from "@/lib/policy/schema";
import { featuredListSchema, moderationResultSchema, type FeaturedEntry } from "./schema";

// What every signed-in person calls: featured images, reports, and their own usage.

export const featuredKeys = { all: ["featured"] as const };
export const usageKeys = { all: ["usage"] as const };

export async function fetchFeatured(): Promise<FeaturedEntry[]> {
  return featuredListSchema.parse(await fetchJson("/api/featured")).entries;
}

export async function postReport(entryId: number, reason: string): Promise<string> {
  return moderationResultSchema.parse(await sendJson(`/api/library/${entryId}/reports`, "POST", { reason })).message;
}

export async function fetchUsage(): Promise<UsageView> {
  return usageSchema.parse(await fetchJson("/api/me/usage"));
}
