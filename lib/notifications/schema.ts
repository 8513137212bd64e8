import { z } from "zod";
import { MAX_ID } from "@/lib/library/schema";

// Shared by server and client: what the bell shows.

export const notificationSchema = z
  .object({ id: z.number().int(), text: z.string(), link: z.string(), createdAt: z.iso.datetime(), read: z.boolean() })
  .strict();
export type NotificationView = z.infer<typeof notificationSchema>;
export const notificationsResponseSchema = z.object({ unread: z.number().int(), notifications: z.array(notificationSchema) }).strict();
export type NotificationsResponse = z.infer<typeof notificationsResponseSchema>;
export const markReadSchema = z.object({ ids: z.array(z.number().int().positive().max(MAX_ID)).max(200).optional(), all: z.boolean().optional() }).strict();
