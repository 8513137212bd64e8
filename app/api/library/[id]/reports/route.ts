import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { moderationResultSchema } from "@/lib/moderation/schema";
import { reportEntry } from "@/lib/moderation/server";

export const POST = route(operations.reportEntry, async ({ user, params, body }) =>
  Response.json(moderationResultSchema.parse(await reportEntry(user, params.id, body.reason)), { status: 201 }),
);
