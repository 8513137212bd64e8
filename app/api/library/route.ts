import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { libraryResponseSchema } from "@/lib/library/schema";
import { listLibrary } from "@/lib/library/server";

export const GET = route(operations.library, async ({ user, query }) =>
  libraryResponseSchema.parse(await listLibrary(user, query)),
);
