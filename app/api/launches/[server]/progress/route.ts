import { HubError, serverProgress } from "@/lib/hub/client";
import { AppError, unavailable } from "@/lib/http/errors";
import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { openViewer } from "@/lib/metrics/registry";

export const dynamic = "force-dynamic";

// Relays the Hub's progress events for the user's own server, as they come.
export const GET = route(operations.launchProgress, async ({ user, params, request }) => {
  const body = await serverProgress(user.name, params.server, request.signal).catch((error: unknown) => {
    if (error instanceof HubError && error.status === 404) throw new AppError("server_not_found", 404, `You have no server named ${params.server}.`);
    throw unavailable("hub", "JupyterHub did not send the server's progress. Open Servers to see whether it started.", error);
  });
  // Counted while it is open: until the Hub ends it or the viewer goes.
  const uncount = openViewer("launch_progress");
  request.signal.addEventListener("abort", uncount, { once: true });
  const counted = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: uncount }));
  return new Response(counted, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform" } });
});
