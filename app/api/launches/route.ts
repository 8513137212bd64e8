import { route } from "@/lib/http/route";
import { launchRequestSchema, launchResultSchema } from "@/lib/launches/schema";
import { launchEntry } from "@/lib/launches/server";

export const POST = route({ access: "user", body: launchRequestSchema }, async ({ user, body }) =>
  launchResultSchema.parse(await launchEntry(user, body.entryId, body.path, body.server)),
);
