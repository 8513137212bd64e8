import { HubError, serverProgress } from "@/lib/hub/client";
import { AppError, unavailable } from "@/lib/http/errors";
import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { countedStream } from "@/lib/metrics/registry";

export const dynamic = "force-dynamic";

// Relays the Hub's progress events for the user's own server, as they come.
export const GET = route(operations.launchProgress, async ({ user, params, request }) => {
  const body = await serverProgress(user.name, params.server, request.signal).catch((error: unknown) => {
    if (error instanceof HubError && error.status === 404) throw new AppError("server_not_found", 404, `You have no server named ${params.server}.`);
    throw unavailable("hub", "JupyterHub did not send the server's progress. Open Servers to see whether it started.", error);
  });
  // Counted while it is open: until the Hub ends it or the viewer goes.
  return new Response(countedStream(body, "launch_progress"), { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform" } });
});
