import { route } from "@/lib/http/route";
import { buildView } from "@/lib/builds/server";
import { buildIdParamsSchema, buildViewSchema } from "@/lib/builds/schema";

export const GET = route({ access: "user", params: buildIdParamsSchema }, async ({ user, params }) =>
  buildViewSchema.parse(await buildView(params.id, user)),
);
