import { z } from "zod";
import { quotaKeys, type QuotaKey } from "./quotas";

// Shared by server and client: the Hub-wide rules moderators set in Kiln (approval mode,
// quotas, clean-up, audit retention), stored as one JSON document (lib/policy/server.ts).

const limit = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();

export const quotaLimitsSchema = z.object(Object.fromEntries(quotaKeys.map((key) => [key, limit])) as Record<QuotaKey, typeof limit>).strict();
export type QuotaLimits = z.infer<typeof quotaLimitsSchema>;

/** A Hub group's override: only the limits it names replace the defaults. */
export const quotaOverrideSchema = quotaLimitsSchema.partial();

/** Hub group names as JupyterHub allows them. */
const groupName = z.string().trim().min(1).max(255).regex(/^[^/\u0000-\u001f\u007f-\u009f]+$/u, "must be a Hub group name");

export const exampleRepositorySchema = z
  .object({
    repository: z.string().trim().min(1).max(500).regex(/^[^\s\u0000-\u001f\u007f-\u009f]+$/u, "must be a repository URL, DOI or Binder spec without spaces"),
    ref: z.string().trim().max(255).regex(/^[^\s\u0000-\u001f\u007f-\u009f]*$/u, "must be a branch, tag or commit without spaces"),
  })
  .strict();
export type ExampleRepository = z.infer<typeof exampleRepositorySchema>;

export const policySchema = z
  .object({
    /** Shared images wait for a moderator's approval before others see them. */
    approvalMode: z.boolean(),
    quotas: z
      .object({
        defaults: quotaLimitsSchema,
        groups: z.record(groupName, quotaOverrideSchema).refine((groups) => Object.keys(groups).length <= 100, "at most 100 group overrides"),
      })
      .strict(),
    /** Servers running one repository's images at once, across everyone (BinderHub's per-repo quota). */
    repoConcurrentLaunches: limit,
    cleanup: z
      .object({
        /** Remove images not launched for `unusedDays` and not shared, on a schedule. */
        enabled: z.boolean(),
        unusedDays: z.number().int().min(1).max(3650),
      })
      .strict(),
    /** At least 30 days: the database's prune function keeps that much whatever it is asked. */
    auditRetentionDays: z.number().int().min(30, "must be at least 30 days").max(36500),
    /** Offered on the Launch page to fill the form; none by default (a Hub without internet has none to offer). */
    exampleRepositories: z.array(exampleRepositorySchema).max(12, "at most 12 example repositories").default([]),
  })
  .strict();
export type Policy = z.infer<typeof policySchema>;

const GiB = 1024 ** 3;

export const defaultPolicy: Policy = {
  approvalMode: false,
  quotas: {
    // Safety nets for a new Hub, generous enough that nobody meets them by accident; the Hub's own
    // named_server_limit_per_user already bounds servers.
    defaults: { concurrentBuilds: 3, buildsPerHour: 30, libraryImages: 200, imageBytes: 100 * GiB, sharedImages: 50, concurrentServers: null },
    groups: {},
  },
  repoConcurrentLaunches: null,
  cleanup: { enabled: false, unusedDays: 90 },
  auditRetentionDays: 365,
  exampleRepositories: [],
};

/** One limit's use by one person, as the Usage panel shows it. */
export const usageItemSchema = z
  .object({
    key: z.enum(quotaKeys),
    name: z.string(),
    unit: z.string(),
    used: z.number(),
    limit: z.number().nullable(),
    /** The Hub group whose override set this limit, or null for the Hub's default. */
    from: z.string().nullable(),
  })
  .strict();
export const usageSchema = z.object({ items: z.array(usageItemSchema) }).strict();
export type UsageView = z.infer<typeof usageSchema>;
