import { route } from "@/lib/http/route";
import { markReadSchema, notificationsResponseSchema } from "@/lib/notifications/schema";
import { listNotifications, markRead } from "@/lib/notifications/server";

export const GET = route({ access: "user" }, async ({ user }) => notificationsResponseSchema.parse(await listNotifications(user)));

export const POST = route({ access: "user", body: markReadSchema }, async ({ user, body }) => {
  await markRead(user, body.all ? "all" : (body.ids ?? []));
  return notificationsResponseSchema.parse(await listNotifications(user));
});
