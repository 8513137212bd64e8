import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { stopUserServer } from "@/lib/launches/server";

// DELETE stops the server; with ?remove=1 it also removes it from the Hub.
export const DELETE = route(operations.stopServer, async ({ user, params, query }) => {
  const remove = query.remove === "1";
  await stopUserServer(user, params.name, remove);
  return { stopped: params.name, removed: remove };
});
