import { route } from "@/lib/http/route";
import { dashboard } from "@/lib/admin/dashboard";
import { dashboardSchema } from "@/lib/admin/schema";

export const GET = route({ access: "moderator" }, async () => dashboardSchema.parse(await dashboard()));
