import { z } from "zod";
import { buildStatuses } from "@/lib/builds/status";
import { providerIds } from "@/lib/repos/providers";

// Shared by server and client: library entries as the API shows them.

/** What an owner may ask for; "pending" is what approval mode makes of "shared". */
export const visibilities = ["private", "shared"] as const;
export const entryVisibilities = ["private", "shared", "pending"] as const;

export const libraryEntrySchema = z
  .object({
    id: z.number().int(),
    buildId: z.uuid(),
    owner: z.string(),
    isOwner: z.boolean(),
    provider: z.enum(providerIds),
    displayName: z.string(),
    repoUrl: z.string(),
    spec: z.string(),
    requestedRef: z.string(),
    resolvedRef: z.string(),
    imageName: z.string(),
    status: z.enum(buildStatuses),
    builtAt: z.iso.datetime().nullable(),
    sizeBytes: z.number().nullable(),
    visibility: z.enum(entryVisibilities),
    /** Hidden from the shared view by a moderator (still launchable by its owner). */
    hidden: z.boolean(),
    featured: z.boolean(),
    /** What a moderator last did to it and why, for its owner. */
    moderationNote: z.string().nullable(),
    /** The clean-up policy removed its image; rebuilding brings it back. */
    cleaned: z.boolean(),
    path: z.string(),
    launchCount: z.number().int(),
    lastLaunchedAt: z.iso.datetime().nullable(),
    addedAt: z.iso.datetime(),
  })
  .strict();
export type LibraryEntryView = z.infer<typeof libraryEntrySchema>;

/** PostgreSQL integer ids: a larger number cannot name an entry. */
export const MAX_ID = 2_147_483_647;

/** A library entry's id in a path. */
export const entryIdParamsSchema = z
  .object({ id: z.string().regex(/^[1-9]\d{0,9}$/).transform(Number).pipe(z.number().max(MAX_ID)) })
  .strict();

/** Entries per page unless asked otherwise, and the most one page holds. */
export const LIBRARY_PAGE_DEFAULT = 50;
export const LIBRARY_PAGE_MAX = 500;

/**
 * A page cursor, `<ms>.<id>`: the id spelled out up to MAX_ID (2147483647) in the pattern itself,
 * so the OpenAPI document says exactly which cursors exist.
 */
const CURSOR_PATTERN =
  /^\d{1,15}\.(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])$/;

export const libraryQuerySchema = z
  .object({
    // Control characters (NUL among them) cannot be searched for; PostgreSQL refuses NUL.
    q: z.string().trim().max(200).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "Search for letters, digits and punctuation only.").optional(),
    status: z.enum(["building", "built", "failed"]).optional(),
    visibility: z.enum(entryVisibilities).optional(),
    view: z.enum(["mine", "shared"]).default("mine"),
    /** Where the page starts: the previous page's nextCursor. */
    cursor: z.string().regex(CURSOR_PATTERN, "Use the nextCursor of the page before.").optional(),
    limit: z.coerce.number().int().min(1).max(LIBRARY_PAGE_MAX).default(LIBRARY_PAGE_DEFAULT),
  })
  .strict();
export type LibraryQuery = z.infer<typeof libraryQuerySchema>;

export const libraryResponseSchema = z
  .object({
    entries: z.array(libraryEntrySchema),
    /** Ask again with this cursor for the next page; null when this page is the last. */
    nextCursor: z.string().nullable(),
  })
  .strict();
export type LibraryResponse = z.infer<typeof libraryResponseSchema>;

export const visibilityPatchSchema = z.object({ visibility: z.enum(visibilities) }).strict();

export const deleteResultSchema = z
  .object({ entryRemoved: z.literal(true), imageRemoved: z.boolean(), message: z.string() })
  .strict();
export type DeleteResult = z.infer<typeof deleteResultSchema>;

export const libraryUpdateSchema = z
  .object({ spec: z.string(), displayName: z.string(), requestedRef: z.string(), currentRef: z.string(), latestRef: z.string() })
  .strict();
export const libraryUpdatesResponseSchema = z.object({ updates: z.array(libraryUpdateSchema) }).strict();
export type LibraryUpdatesResponse = z.infer<typeof libraryUpdatesResponseSchema>;
export type LibraryUpdateView = z.infer<typeof libraryUpdateSchema>;
