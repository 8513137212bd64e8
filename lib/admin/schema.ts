import { z } from "zod";
import { buildStatuses } from "@/lib/builds/status";

// Shared by server and client: the admin dashboard and the clean-up's list.

export const adminSummarySchema = z.object({ users: z.number().int().nonnegative() }).strict();
export type AdminSummary = z.infer<typeof adminSummarySchema>;

const imageRow = z
  .object({ buildId: z.uuid(), displayName: z.string(), requestedRef: z.string(), sizeBytes: z.number().nullable(), owners: z.number().int(), builtAt: z.iso.datetime().nullable(), lastLaunchedAt: z.iso.datetime().nullable() })
  .strict();

export const dashboardSchema = z
  .object({
    users: z.number().int(),
    queue: z.array(
      z
        .object({ buildId: z.uuid(), displayName: z.string(), requestedRef: z.string(), requester: z.string(), status: z.enum(buildStatuses), position: z.number().int().nullable(), createdAt: z.iso.datetime(), startedAt: z.iso.datetime().nullable() })
        .strict(),
    ),
    /** What the engine (or in Kubernetes mode the registry) holds under Kiln's image prefix, as last measured; null until measured. */
    engine: z.object({ images: z.number().int(), bytes: z.number(), measuredAt: z.iso.datetime(), where: z.enum(["engine", "registry"]) }).strict().nullable(),
    library: z.object({ images: z.number().int(), bytes: z.number(), shared: z.number().int(), pendingReview: z.number().int(), openReports: z.number().int() }).strict(),
    biggest: z.array(imageRow),
    oldest: z.array(imageRow),
    mostLaunched: z.array(z.object({ displayName: z.string(), provider: z.string(), launches: z.number().int() }).strict()),
    usersByStorage: z.array(z.object({ user: z.string(), images: z.number().int(), bytes: z.number() }).strict()),
  })
  .strict();
export type Dashboard = z.infer<typeof dashboardSchema>;

export const cleanupCandidateSchema = z
  .object({ buildId: z.uuid(), imageName: z.string(), displayName: z.string(), requestedRef: z.string(), owners: z.array(z.string()), lastUsedAt: z.iso.datetime(), sizeBytes: z.number().nullable() })
  .strict();
export type CleanupCandidate = z.infer<typeof cleanupCandidateSchema>;
export const cleanupPreviewSchema = z.object({ unusedDays: z.number().int(), enabled: z.boolean(), candidates: z.array(cleanupCandidateSchema) }).strict();
export type CleanupPreview = z.infer<typeof cleanupPreviewSchema>;
export const cleanupRunSchema = z.object({ removed: z.array(z.string()), skipped: z.array(z.object({ image: z.string(), why: z.string() }).strict()) }).strict();
export type CleanupRun = z.infer<typeof cleanupRunSchema>;
