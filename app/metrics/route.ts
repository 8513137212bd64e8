import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { refreshStoredGauges } from "@/lib/metrics/server";
import { metrics } from "@/lib/metrics/registry";

export const dynamic = "force-dynamic";

export const GET = route(operations.metrics, async () => {
  await refreshStoredGauges();
  const { registry } = metrics();
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
});
