import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { launchResultSchema } from "@/lib/launches/schema";
import { launchEntry } from "@/lib/launches/server";

export const POST = route(operations.launch, async ({ user, body }) =>
  launchResultSchema.parse(await launchEntry(user, body.entryId, body.path, body.server)),
);
