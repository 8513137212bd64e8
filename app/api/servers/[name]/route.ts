import { z } from "zod";
import { route } from "@/lib/http/route";
import { serverParamsSchema } from "@/lib/launches/schema";
import { stopUserServer } from "@/lib/launches/server";

const removeQuerySchema = z.object({ remove: z.enum(["0", "1"]).default("0") }).strict();

// DELETE stops the server; with ?remove=1 it also removes it from the Hub.
export const DELETE = route({ access: "user", params: serverParamsSchema, query: removeQuerySchema }, async ({ user, params, query }) => {
  const remove = query.remove === "1";
  await stopUserServer(user, params.name, remove);
  return { stopped: params.name, removed: remove };
});
