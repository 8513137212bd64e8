import { z } from "zod";
import { route } from "@/lib/http/route";
import { cleanupPreviewSchema, cleanupRunSchema } from "@/lib/admin/schema";
import { cleanupCandidates, runCleanup } from "@/lib/library/cleanup";
import { currentPolicy } from "@/lib/policy/server";

const days = z.coerce.number().int().min(1).max(3650);

/** The dry run: what a clean-up would remove now (with the saved number of days, or `days`). */
export const GET = route({ access: "moderator", query: z.object({ days: days.optional() }).strict() }, async ({ query }) => {
  const policy = await currentPolicy();
  const unusedDays = query.days ?? policy.cleanup.unusedDays;
  return cleanupPreviewSchema.parse({ unusedDays, enabled: policy.cleanup.enabled, candidates: await cleanupCandidates(unusedDays) });
});

export const POST = route({ access: "moderator", body: z.object({ days: z.number().int().min(1).max(3650).optional() }).strict() }, async ({ user, body }) =>
  cleanupRunSchema.parse(await runCleanup(user.name, body.days)),
);
