import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { notificationsResponseSchema } from "@/lib/notifications/schema";
import { listNotifications, markRead } from "@/lib/notifications/server";

export const GET = route(operations.notifications, async ({ user }) => notificationsResponseSchema.parse(await listNotifications(user)));

export const POST = route(operations.markNotificationsRead, async ({ user, body }) => {
  await markRead(user, body.all ? "all" : (body.ids ?? []));
  return notificationsResponseSchema.parse(await listNotifications(user));
});
