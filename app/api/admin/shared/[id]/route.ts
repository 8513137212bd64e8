import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { moderationResultSchema } from "@/lib/moderation/schema";
import { moderateEntry } from "@/lib/moderation/server";

export const POST = route(operations.moderateEntry, async ({ user, params, body }) =>
  moderationResultSchema.parse(await moderateEntry(user, params.id, body)),
);
