import { route } from "@/lib/http/route";
import { entryIdParamsSchema } from "@/lib/library/schema";
import { moderationResultSchema, reportInputSchema } from "@/lib/moderation/schema";
import { reportEntry } from "@/lib/moderation/server";

export const POST = route({ access: "user", params: entryIdParamsSchema, body: reportInputSchema }, async ({ user, params, body }) =>
  Response.json(moderationResultSchema.parse(await reportEntry(user, params.id, body.reason)), { status: 201 }),
);
