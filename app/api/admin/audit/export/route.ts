import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { exportAudit } from "@/lib/audit/server";

export const dynamic = "force-dynamic";

export const GET = route(operations.auditExport, async ({ query }) => {
  const { format, ...filter } = query;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(exportAudit(filter, format), {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="kiln-audit-${stamp}.${format === "csv" ? "csv" : "jsonl"}"`,
      "cache-control": "no-store",
    },
  });
});
