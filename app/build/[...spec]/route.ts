import { z } from "zod";
import { route } from "@/lib/http/route";
import { buildApiResponse } from "@/lib/links/build-api";

export const dynamic = "force-dynamic";

// BinderHub's build API, for clients with a Hub API token. BinderHub's own client adds
// build_token, so other parameters are let through rather than refused.
const querySchema = z.looseObject({ build_only: z.string().optional() });
const paramsSchema = z.object({ spec: z.array(z.string()).min(1) }).strict();

/** The spec exactly as sent, still URL-encoded, as BinderHub reads it from the raw path. */
const rawSpec = (pathname: string) => pathname.slice(pathname.indexOf("/build/") + "/build/".length);

export const GET = route({ access: "user", tokenOnly: true, errorsAsEvents: true, params: paramsSchema, query: querySchema }, async ({ user, hubToken, query, request }) =>
  buildApiResponse({
    user,
    hubToken,
    spec: rawSpec(request.nextUrl.pathname),
    buildOnly: query.build_only?.toLowerCase() === "true",
    signal: request.signal,
  }),
);
