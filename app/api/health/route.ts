import { NextResponse } from "next/server";
import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { checkHealth, publicHealth } from "@/lib/health/server";

export const dynamic = "force-dynamic";

// Public: the stack scripts and monitors poll it. 503 when any part is down. Probed at most once
// a second; moderators also see versions, timings and errors, everyone else only up or down.
export const GET = route(operations.health, async ({ user }) => {
  const report = await checkHealth();
  const body = user?.isModerator ? report : publicHealth(report);
  return NextResponse.json(body, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
});
