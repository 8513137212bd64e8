import { route } from "@/lib/http/route";
import { usageSchema } from "@/lib/policy/schema";
import { usageForViewer } from "@/lib/quotas/usage";

export const GET = route({ access: "user" }, async ({ user }) => usageSchema.parse(await usageForViewer(user)));
