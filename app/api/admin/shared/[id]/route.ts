import { route } from "@/lib/http/route";
import { entryIdParamsSchema } from "@/lib/library/schema";
import { moderationActionSchema, moderationResultSchema } from "@/lib/moderation/schema";
import { moderateEntry } from "@/lib/moderation/server";

export const POST = route({ access: "moderator", params: entryIdParamsSchema, body: moderationActionSchema }, async ({ user, params, body }) =>
  moderationResultSchema.parse(await moderateEntry(user, params.id, body)),
);
