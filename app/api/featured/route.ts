import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { featuredListSchema } from "@/lib/moderation/schema";
import { featuredEntries } from "@/lib/moderation/server";

export const GET = route(operations.featured, async () => featuredListSchema.parse({ entries: await featuredEntries() }));
