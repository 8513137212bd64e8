import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { banRuleSchema, banRulesResponseSchema } from "@/lib/bans/schema";
import { createBanRule, listBanRules } from "@/lib/bans/server";

export const GET = route(operations.bans, async () => banRulesResponseSchema.parse({ rules: await listBanRules() }));

export const POST = route(operations.createBan, async ({ user, body }) =>
  Response.json(banRuleSchema.parse(await createBanRule(user.name, body)), { status: 201 }),
);
