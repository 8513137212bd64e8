import { route } from "@/lib/http/route";
import { libraryQuerySchema, libraryResponseSchema } from "@/lib/library/schema";
import { listLibrary } from "@/lib/library/server";

export const GET = route({ access: "user", query: libraryQuerySchema }, async ({ user, query }) =>
  libraryResponseSchema.parse(await listLibrary(user, query)),
);
