import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { auditPageSchema } from "@/lib/audit/schema";
import { listAudit } from "@/lib/audit/server";

export const GET = route(operations.audit, async ({ query }) => auditPageSchema.parse(await listAudit(query)));
