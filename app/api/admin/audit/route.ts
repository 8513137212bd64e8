import { route } from "@/lib/http/route";
import { auditPageSchema, auditQuerySchema } from "@/lib/audit/schema";
import { listAudit } from "@/lib/audit/server";

export const GET = route({ access: "moderator", query: auditQuerySchema }, async ({ query }) => auditPageSchema.parse(await listAudit(query)));
