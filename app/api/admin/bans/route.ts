import { route } from "@/lib/http/route";
import { banRuleInputSchema, banRuleSchema, banRulesResponseSchema } from "@/lib/bans/schema";
import { createBanRule, listBanRules } from "@/lib/bans/server";

export const GET = route({ access: "moderator" }, async () => banRulesResponseSchema.parse({ rules: await listBanRules() }));

export const POST = route({ access: "moderator", body: banRuleInputSchema }, async ({ user, body }) =>
  Response.json(banRuleSchema.parse(await createBanRule(user.name, body)), { status: 201 }),
);
