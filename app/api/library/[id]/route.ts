import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { deleteResultSchema, libraryEntrySchema } from "@/lib/library/schema";
import { deleteEntry, setVisibility } from "@/lib/library/server";

export const PATCH = route(operations.setVisibility, async ({ user, body, params }) =>
  libraryEntrySchema.parse(await setVisibility(params.id, user, body.visibility)),
);

export const DELETE = route(operations.deleteEntry, async ({ user, params }) =>
  deleteResultSchema.parse({ entryRemoved: true, ...(await deleteEntry(params.id, user)) }),
);
