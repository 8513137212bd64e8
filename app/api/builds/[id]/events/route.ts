import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { eventStream } from "@/lib/builds/server";

export const dynamic = "force-dynamic";

export const GET = route(operations.buildEvents, async ({ request, user, params }) =>
  eventStream(params.id, user, request.headers.get("last-event-id") ?? request.nextUrl.searchParams.get("lastEventId"), request.signal),
);
