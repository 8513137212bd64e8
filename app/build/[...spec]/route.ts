import { z } from "zod";
import { route } from "@/lib/http/route";
import { buildApiResponse } from "@/lib/links/build-api";
import { specFromSegments } from "@/lib/links/links";

export const dynamic = "force-dynamic";

// BinderHub's build API. BinderHub's own client adds build_token (and Kiln's pages xsrf), so
// other parameters are let through rather than refused.
const querySchema = z.looseObject({ build_only: z.string().optional() });
const paramsSchema = z.object({ spec: z.array(z.string()).min(1) }).strict();

export const GET = route({ access: "user", startsWork: true, params: paramsSchema, query: querySchema }, async ({ user, hubToken, params, query, request }) =>
  buildApiResponse({
    user,
    hubToken,
    spec: specFromSegments(params.spec),
    buildOnly: query.build_only?.toLowerCase() === "true",
    signal: request.signal,
  }),
);
