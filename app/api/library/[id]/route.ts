import { route } from "@/lib/http/route";
import { deleteResultSchema, entryIdParamsSchema, libraryEntrySchema, visibilityPatchSchema } from "@/lib/library/schema";
import { deleteEntry, setVisibility } from "@/lib/library/server";

export const PATCH = route({ access: "user", params: entryIdParamsSchema, body: visibilityPatchSchema }, async ({ user, body, params }) =>
  libraryEntrySchema.parse(await setVisibility(params.id, user, body.visibility)),
);

export const DELETE = route({ access: "user", params: entryIdParamsSchema }, async ({ user, params }) =>
  deleteResultSchema.parse({ entryRemoved: true, ...(await deleteEntry(params.id, user)) }),
);
