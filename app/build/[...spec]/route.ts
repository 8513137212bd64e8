import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { buildApiResponse } from "@/lib/links/build-api";

export const dynamic = "force-dynamic";

// BinderHub's build API, for clients with a Hub API token.
/** The spec exactly as sent, still URL-encoded, as BinderHub reads it from the raw path. */
const rawSpec = (pathname: string) => pathname.slice(pathname.indexOf("/build/") + "/build/".length);

export const GET = route(operations.buildApi, async ({ user, hubToken, query, request }) =>
  buildApiResponse({
    user,
    hubToken,
    spec: rawSpec(request.nextUrl.pathname),
    buildOnly: query.build_only?.toLowerCase() === "true",
    signal: request.signal,
  }),
);
