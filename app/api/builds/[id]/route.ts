import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { buildView } from "@/lib/builds/server";
import { buildViewSchema } from "@/lib/builds/schema";

export const GET = route(operations.build, async ({ user, params }) =>
  buildViewSchema.parse(await buildView(params.id, user)),
);
