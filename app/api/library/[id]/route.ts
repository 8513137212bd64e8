import { z } from "zod";
import { badRequest } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { deleteResultSchema, libraryEntrySchema, visibilityPatchSchema } from "@/lib/library/schema";
import { deleteEntry, setVisibility } from "@/lib/library/server";

const entryId = (raw: string | undefined) => {
  const parsed = z.coerce.number().int().positive().safeParse(raw);
  if (!parsed.success) throw badRequest("That is not a library entry id.");
  return parsed.data;
};

export const PATCH = route({ access: "user", body: visibilityPatchSchema }, async ({ user, body, params }) =>
  libraryEntrySchema.parse(await setVisibility(entryId(params.id), user!, body.visibility)),
);

export const DELETE = route({ access: "user" }, async ({ user, params }) =>
  deleteResultSchema.parse({ entryRemoved: true, ...(await deleteEntry(entryId(params.id), user!)) }),
);
