import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { cleanupPreviewSchema, cleanupRunSchema } from "@/lib/admin/schema";
import { cleanupCandidates, runCleanup } from "@/lib/library/cleanup";
import { currentPolicy } from "@/lib/policy/server";

/** The dry run: what a clean-up would remove now (with the saved number of days, or `days`). */
export const GET = route(operations.cleanupPreview, async ({ query }) => {
  const policy = await currentPolicy();
  const unusedDays = query.days ?? policy.cleanup.unusedDays;
  return cleanupPreviewSchema.parse({ unusedDays, enabled: policy.cleanup.enabled, candidates: await cleanupCandidates(unusedDays) });
});

export const POST = route(operations.cleanupRun, async ({ user, body }) =>
  cleanupRunSchema.parse(await runCleanup(user.name, body.days)),
);
