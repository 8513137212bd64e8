import { route } from "@/lib/http/route";
import { moderatedListSchema, moderationQuerySchema } from "@/lib/moderation/schema";
import { listModerated } from "@/lib/moderation/server";

export const GET = route({ access: "moderator", query: moderationQuerySchema }, async ({ query }) =>
  moderatedListSchema.parse({ entries: await listModerated(query) }),
);
