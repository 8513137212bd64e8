import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { adminSummarySchema } from "@/lib/admin/schema";
import { countUsers } from "@/lib/users/server";

export const GET = route(operations.summary, async () => adminSummarySchema.parse({ users: await countUsers() }));
