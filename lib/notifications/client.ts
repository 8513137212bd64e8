import { fetchJson } from "@/lib/api/fetch-json";
import { sendJson } from "@/lib/api/send-json";
import { notificationsResponseSchema, type NotificationsResponse } from "./schema";

export const notificationKeys = { all: ["notifications"] as const };

export async function fetchNotifications(): Promise<NotificationsResponse> {
  return notificationsResponseSchema.parse(await fetchJson("/api/notifications"));
}

export async function markAllRead(): Promise<NotificationsResponse> {
  return notificationsResponseSchema.parse(await sendJson("/api/notifications", "POST", { all: true }));
}
