import { route } from "@/lib/http/route";
import { entryIdParamsSchema } from "@/lib/library/schema";
import { moderationResultSchema, reportDismissSchema } from "@/lib/moderation/schema";
import { dismissReport } from "@/lib/moderation/server";

export const POST = route({ access: "moderator", params: entryIdParamsSchema, body: reportDismissSchema }, async ({ user, params, body }) =>
  moderationResultSchema.parse(await dismissReport(user, params.id, body.reason)),
);
