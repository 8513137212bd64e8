import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { dashboard } from "@/lib/admin/dashboard";
import { dashboardSchema } from "@/lib/admin/schema";

export const GET = route(operations.dashboard, async () => dashboardSchema.parse(await dashboard()));
