import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { moderatedListSchema } from "@/lib/moderation/schema";
import { listModerated } from "@/lib/moderation/server";

export const GET = route(operations.adminShared, async ({ query }) =>
  moderatedListSchema.parse({ entries: await listModerated(query) }),
);
