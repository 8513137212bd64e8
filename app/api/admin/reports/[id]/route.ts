import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { moderationResultSchema } from "@/lib/moderation/schema";
import { dismissReport } from "@/lib/moderation/server";

export const POST = route(operations.dismissReport, async ({ user, params, body }) =>
  moderationResultSchema.parse(await dismissReport(user, params.id, body.reason)),
);
