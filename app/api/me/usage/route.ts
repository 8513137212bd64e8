import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { usageSchema } from "@/lib/policy/schema";
import { usageForViewer } from "@/lib/quotas/usage";

export const GET = route(operations.usage, async ({ user }) => usageSchema.parse(await usageForViewer(user)));
