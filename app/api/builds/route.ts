import { NextResponse } from "next/server";
import { route } from "@/lib/http/route";
import { requestBuild } from "@/lib/builds/request";
import { requestBuildResponseSchema } from "@/lib/builds/schema";
import { toView } from "@/lib/builds/store";
import { launchRequestSchema } from "@/lib/repos/types";

export const POST = route({ access: "user", body: launchRequestSchema }, async ({ user, body }) => {
  const { outcome, build, entryId, notice } = await requestBuild(user, body);
  const response = requestBuildResponseSchema.parse({ outcome, build: await toView(build, user), entryId, notice });
  return NextResponse.json(response, { status: outcome === "queued" ? 201 : 200 });
});
