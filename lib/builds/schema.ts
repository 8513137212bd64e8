import { z } from "zod";
import { providerIds } from "@/lib/repos/providers";
import { buildStatuses } from "./status";

// Shared by server and client: a build as the API shows it.

/** A build's id in a path: a UUID, or there is no such build. */
export const buildIdParamsSchema = z.object({ id: z.guid() }).strict();

export const buildViewSchema = z
  .object({
    id: z.uuid(),
    provider: z.enum(providerIds),
    displayName: z.string(),
    spec: z.string(),
    repoUrl: z.string(),
    requestedRef: z.string(),
    resolvedRef: z.string(),
    imageName: z.string(),
    status: z.enum(buildStatuses),
    error: z.string().nullable(),
    /** A failed build: the phase it stopped in, the step that failed and its last output lines. */
    failedPhase: z.enum(buildStatuses).nullable(),
    failureStep: z.string().nullable(),
    failureOutput: z.array(z.string()),
    requestedBy: z.string(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    logLines: z.number().int(),
    logTruncated: z.boolean(),
    /** 1 for the next build to start; null unless queued. */
    queuePosition: z.number().int().positive().nullable(),
    canCancel: z.boolean(),
  })
  .strict();
export type BuildView = z.infer<typeof buildViewSchema>;

/** What POST /api/builds did: started a build, joined one already running, or found the image ready. */
export const buildOutcomes = ["queued", "joined", "ready"] as const;
export const requestBuildResponseSchema = z
  .object({ outcome: z.enum(buildOutcomes), build: buildViewSchema, entryId: z.number().int().positive(), notice: z.string().optional() })
  .strict();
export type RequestBuildResponse = z.infer<typeof requestBuildResponseSchema>;

/** One Server-Sent Events batch of log lines; the event id is the last line's seq. */
export interface LogLine {
  seq: number;
  text: string;
  /** When it was stored; null for lines older than timestamps. */
  at: Date | null;
}

/** The raw log's query: `timestamps=1` starts each line with when Kiln stored it (ISO 8601, UTC). */
export const rawLogQuerySchema = z.object({ timestamps: z.enum(["0", "1"]).optional() }).strict();
