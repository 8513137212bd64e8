import { z } from "zod";
import { auditActions, auditOutcomes } from "./actions";

// Shared by server and client: audit events as moderators browse and export them.

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.iso.datetime(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    outcome: z.string(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .strict();
export type AuditEventView = z.infer<typeof auditEventSchema>;

const text = z.string().trim().max(200).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "letters, digits and punctuation only");

export const auditQuerySchema = z
  .object({
    actor: text.optional(),
    action: z.enum(auditActions).optional(),
    outcome: z.enum(auditOutcomes).optional(),
    /** Words in the target or the reason. */
    q: text.optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    /** Events older than this id: the next page. */
    before: z.string().regex(/^[1-9]\d{0,18}$/).optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditExportQuerySchema = auditQuerySchema.omit({ before: true }).extend({ format: z.enum(["csv", "jsonl"]).default("csv") }).strict();

export const auditPageSchema = z.object({ events: z.array(auditEventSchema), nextBefore: z.string().nullable() }).strict();
export type AuditPage = z.infer<typeof auditPageSchema>;
