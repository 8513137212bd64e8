import { route } from "@/lib/http/route";
import { cancelBuild } from "@/lib/builds/server";
import { buildIdParamsSchema, buildViewSchema } from "@/lib/builds/schema";

export const POST = route({ access: "user", params: buildIdParamsSchema }, async ({ user, params }) =>
  buildViewSchema.parse(await cancelBuild(params.id, user)),
);
