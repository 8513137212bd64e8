import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { libraryUpdatesResponseSchema } from "@/lib/library/schema";
import { libraryUpdates } from "@/lib/library/server";

export const GET = route(operations.libraryUpdates, async ({ user }) => libraryUpdatesResponseSchema.parse({ updates: await libraryUpdates(user) }));
