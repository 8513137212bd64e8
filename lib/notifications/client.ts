import { fetchJson } from "@/lib/api/fetch-json";
import { sendJson } from "@/lib/api/send-json";
import type { NotificationsResponse } from "./schema";

// Not parsed here: the server parses what it sends, and leaving zod out keeps it out of every
// page's JavaScript.

export const notificationKeys = { all: ["notifications"] as const };

export async function fetchNotifications(): Promise<NotificationsResponse> {
  return fetchJson<NotificationsResponse>("/api/notifications");
}

export async function markAllRead(): Promise<NotificationsResponse> {
  return sendJson<NotificationsResponse>("/api/notifications", "POST", { all: true });
}
