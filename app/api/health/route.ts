import { NextResponse } from "next/server";
import { route } from "@/lib/http/route";
import { checkHealth } from "@/lib/health/server";

export const dynamic = "force-dynamic";

// Public: the stack scripts and monitors poll it. 503 when any part is down.
export const GET = route({ access: "public" }, async () => {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
});
