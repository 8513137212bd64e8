import { route } from "@/lib/http/route";
import { buildIdParamsSchema } from "@/lib/builds/schema";
import { eventStream } from "@/lib/builds/server";

export const dynamic = "force-dynamic";

export const GET = route({ access: "user", params: buildIdParamsSchema }, async ({ request, user, params }) =>
  eventStream(params.id, user, request.headers.get("last-event-id") ?? request.nextUrl.searchParams.get("lastEventId"), request.signal),
);
