import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { deleteBanRule } from "@/lib/bans/server";

export const DELETE = route(operations.deleteBan, async ({ user, params, query }) => {
  await deleteBanRule(user.name, params.id, query.reason ?? null);
  return new Response(null, { status: 204 });
});
