import { serverProgress } from "@/lib/hub/client";
import { badRequest, unavailable } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { serverNameSchema } from "@/lib/launches/schema";

export const dynamic = "force-dynamic";

// Relays the Hub's progress events for the user's own server, as they come.
export const GET = route({ access: "user" }, async ({ user, params, request }) => {
  const server = serverNameSchema.safeParse(params.server);
  if (!server.success) throw badRequest("That is not a server name.");
  const body = await serverProgress(user!.name, server.data, request.signal).catch((error: unknown) => {
    throw unavailable("hub", "JupyterHub did not send the server's progress. Open Servers to see whether it started.", error);
  });
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform" } });
});
