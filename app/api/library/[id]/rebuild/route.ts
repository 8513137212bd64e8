import { NextResponse } from "next/server";
import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { requestBuildResponseSchema } from "@/lib/builds/schema";
import { toView } from "@/lib/builds/store";
import { rebuildEntry } from "@/lib/library/server";

export const POST = route(operations.rebuildEntry, async ({ user, params }) => {
  const { outcome, build, entryId, notice } = await rebuildEntry(params.id, user);
  const response = requestBuildResponseSchema.parse({ outcome, build: await toView(build, user), entryId, notice });
  return NextResponse.json(response, { status: outcome === "queued" ? 201 : 200 });
});
