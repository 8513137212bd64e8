import { z } from "zod";
import { providerIds } from "@/lib/repos/providers";
import { moderationFilters } from "./filters";

// Shared by server and client: the moderation view of shared images and what moderators do.

const reason = z.string().trim().min(3, "Give a reason: the owner reads it.").max(500, "at most 500 characters").regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "letters, digits and punctuation only");
const optionalReason = z.string().trim().max(500).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "letters, digits and punctuation only").optional();

export const reportViewSchema = z
  .object({ id: z.number().int(), reporter: z.string(), reason: z.string(), createdAt: z.iso.datetime() })
  .strict();

export const moderatedEntrySchema = z
  .object({
    entryId: z.number().int(),
    buildId: z.uuid(),
    provider: z.enum(providerIds),
    displayName: z.string(),
    spec: z.string(),
    requestedRef: z.string(),
    resolvedRef: z.string(),
    imageName: z.string(),
    owner: z.string(),
    sizeBytes: z.number().nullable(),
    launchCount: z.number().int(),
    visibility: z.enum(["shared", "pending"]),
    sharedAt: z.iso.datetime().nullable(),
    hidden: z.boolean(),
    featured: z.boolean(),
    featuredDescription: z.string().nullable(),
    banned: z.boolean(),
    moderationNote: z.string().nullable(),
    reports: z.array(reportViewSchema),
  })
  .strict();
export type ModeratedEntry = z.infer<typeof moderatedEntrySchema>;
export const moderatedListSchema = z.object({ entries: z.array(moderatedEntrySchema) }).strict();
export type ModeratedList = z.infer<typeof moderatedListSchema>;

export const moderationQuerySchema = z
  .object({
    filter: z.enum(moderationFilters).default("all"),
    q: z.string().trim().max(200).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u).optional(),
  })
  .strict();
export type ModerationQuery = z.infer<typeof moderationQuerySchema>;

export const moderationActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("approve"), reason: optionalReason }).strict(),
  z.object({ action: z.literal("reject"), reason }).strict(),
  z.object({ action: z.literal("unshare"), reason }).strict(),
  z.object({ action: z.literal("hide"), reason }).strict(),
  z.object({ action: z.literal("unhide"), reason: optionalReason }).strict(),
  /** stopServers: stop the servers running the image first (else a running one refuses). */
  z.object({ action: z.literal("delete"), reason, stopServers: z.boolean().default(false) }).strict(),
  z.object({ action: z.literal("ban"), reason }).strict(),
  z.object({ action: z.literal("feature"), description: z.string().trim().min(3, "Describe it in a sentence for newcomers.").max(300).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u) }).strict(),
  z.object({ action: z.literal("unfeature"), reason: optionalReason }).strict(),
]);
export type ModerationAction = z.infer<typeof moderationActionSchema>;

export const moderationResultSchema = z.object({ message: z.string() }).strict();
export type ModerationResult = z.infer<typeof moderationResultSchema>;

export const reportInputSchema = z.object({ reason: z.string().trim().min(5, "Say what is wrong, in a sentence.").max(1000, "at most 1000 characters").regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "letters, digits and punctuation only") }).strict();
export const reportDismissSchema = z.object({ action: z.literal("dismiss"), reason }).strict();

/** Servers that run an image, as a refused delete lists them. */
export const runningServerSchema = z.object({ user: z.string(), server: z.string() }).strict();

export const featuredEntrySchema = z
  .object({ entryId: z.number().int(), displayName: z.string(), requestedRef: z.string(), resolvedRef: z.string(), description: z.string(), owner: z.string(), launchCount: z.number().int() })
  .strict();
export type FeaturedEntry = z.infer<typeof featuredEntrySchema>;
export const featuredListSchema = z.object({ entries: z.array(featuredEntrySchema) }).strict();
export type FeaturedList = z.infer<typeof featuredListSchema>;
