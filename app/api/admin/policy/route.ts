import { z } from "zod";
import { route } from "@/lib/http/route";
import { policySchema } from "@/lib/policy/schema";
import { currentPolicy, savePolicy } from "@/lib/policy/server";

const body = z.object({ policy: policySchema, reason: z.string().trim().max(500).regex(/^[^\p{Cc}]*$/u).optional() }).strict();

export const GET = route({ access: "moderator" }, async () => policySchema.parse(await currentPolicy()));

export const PUT = route({ access: "moderator", body }, async ({ user, body }) => policySchema.parse(await savePolicy(user.name, body.policy, body.reason ?? null)));
