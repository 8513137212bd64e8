import { fetchJson } from "@/lib/api/fetch-json";
import { sendJson } from "@/lib/api/send-json";
import type { UsageView } from "@/lib/policy/schema";
import type { FeaturedEntry, FeaturedList, ModerationResult } from "./schema";

// What every signed-in person calls: featured images, reports, and their own usage. Not parsed
// here: the server parses what it sends, and leaving zod out keeps it out of every page's JavaScript.

export const featuredKeys = { all: ["featured"] as const };
export const usageKeys = { all: ["usage"] as const };

export async function fetchFeatured(): Promise<FeaturedEntry[]> {
  return (await fetchJson<FeaturedList>("/api/featured")).entries;
}

export async function postReport(entryId: number, reason: string): Promise<string> {
  return (await sendJson<ModerationResult>(`/api/library/${entryId}/reports`, "POST", { reason })).message;
}

export async function fetchUsage(): Promise<UsageView> {
  return fetchJson<UsageView>("/api/me/usage");
}
