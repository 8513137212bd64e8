import { z } from "zod";
import { route } from "@/lib/http/route";
import { deleteBanRule } from "@/lib/bans/server";
import { entryIdParamsSchema } from "@/lib/library/schema";

const query = z.object({ reason: z.string().trim().max(500).regex(/^[^\p{Cc}]*$/u).optional() }).strict();

export const DELETE = route({ access: "moderator", params: entryIdParamsSchema, query }, async ({ user, params, query }) => {
  await deleteBanRule(user.name, params.id, query.reason ?? null);
  return new Response(null, { status: 204 });
});
