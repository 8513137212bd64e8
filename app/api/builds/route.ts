import { NextResponse } from "next/server";
import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { requestBuild } from "@/lib/builds/request";
import { requestBuildResponseSchema } from "@/lib/builds/schema";
import { toView } from "@/lib/builds/store";

export const POST = route(operations.requestBuild, async ({ user, body }) => {
  const { outcome, build, entryId, notice } = await requestBuild(user, body);
  const response = requestBuildResponseSchema.parse({ outcome, build: await toView(build, user), entryId, notice });
  return NextResponse.json(response, { status: outcome === "queued" ? 201 : 200 });
});
