import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { policySchema } from "@/lib/policy/schema";
import { currentPolicy, savePolicy } from "@/lib/policy/server";

export const GET = route(operations.policy, async () => policySchema.parse(await currentPolicy()));

export const PUT = route(operations.savePolicy, async ({ user, body }) => policySchema.parse(await savePolicy(user.name, body.policy, body.reason ?? null)));
