import { z } from "zod";
import { banKinds } from "./kinds";

// Shared by server and client: ban rules as moderators write and read them.

const reason = z.string().trim().min(3, "Give a reason: the person refused reads it.").max(500).regex(/^[^\u0000-\u001f\u007f-\u009f]*$/u, "letters, digits and punctuation only");

export const banRuleInputSchema = z
  .object({
    kind: z.enum(banKinds),
    pattern: z.string().trim().min(1, "Write what to ban.").max(300, "at most 300 characters"),
    reason,
  })
  .strict();
export type BanRuleInput = z.infer<typeof banRuleInputSchema>;

export const banRuleSchema = z
  .object({ id: z.number().int(), kind: z.enum(banKinds), pattern: z.string(), reason: z.string(), author: z.string(), createdAt: z.iso.datetime() })
  .strict();
export type BanRuleView = z.infer<typeof banRuleSchema>;
export const banRulesResponseSchema = z.object({ rules: z.array(banRuleSchema) }).strict();
export type BanRulesResponse = z.infer<typeof banRulesResponseSchema>;

/** "Would this be banned?": a repository (as the Launch form takes it) and, optionally, a user. */
export const banTestSchema = z
  .object({
    repository: z.string().trim().max(2048).default(""),
    user: z.string().trim().max(255).default(""),
    /** A rule not saved yet, tried alongside (or instead of) the saved ones. */
    draft: banRuleInputSchema.omit({ reason: true }).optional(),
  })
  .strict();
export const banTestResultSchema = z
  .object({
    spec: z.string().nullable(),
    host: z.string().nullable(),
    matches: z.array(z.object({ id: z.number().int().nullable(), kind: z.enum(banKinds), pattern: z.string(), reason: z.string(), refuses: z.string() }).strict()),
  })
  .strict();
export type BanTestResult = z.infer<typeof banTestResultSchema>;
