import { badRequest } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { serverNameSchema } from "@/lib/launches/schema";
import { stopUserServer } from "@/lib/launches/server";

// DELETE stops the server; with ?remove=1 it also removes it from the Hub.
export const DELETE = route({ access: "user" }, async ({ user, params, request }) => {
  const name = serverNameSchema.safeParse(params.name);
  if (!name.success) throw badRequest("That is not a server name.");
  const remove = request.nextUrl.searchParams.get("remove") === "1";
  await stopUserServer(user!, name.data, remove);
  return { stopped: name.data, removed: remove };
});
