import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { cancelBuild } from "@/lib/builds/server";
import { buildViewSchema } from "@/lib/builds/schema";

export const POST = route(operations.cancelBuild, async ({ user, params }) =>
  buildViewSchema.parse(await cancelBuild(params.id, user)),
);
