import { z } from "zod";

export const partHealthSchema = z
  .object({ ok: z.boolean(), latencyMs: z.number(), version: z.string().optional(), error: z.string().optional() })
  .strict();
export type PartHealth = z.infer<typeof partHealthSchema>;

export const healthReportSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.object({ database: partHealthSchema, engine: partHealthSchema, hub: partHealthSchema }).strict(),
  })
  .strict();
export type HealthReport = z.infer<typeof healthReportSchema>;

/** What anyone may see: up or down, per part; no versions, timings or error messages. */
const partUpSchema = z.object({ ok: z.boolean() }).strict();
export const publicHealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.object({ database: partUpSchema, engine: partUpSchema, hub: partUpSchema }).strict(),
  })
  .strict();
export type PublicHealth = z.infer<typeof publicHealthSchema>;
