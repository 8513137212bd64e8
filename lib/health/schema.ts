import { z } from "zod";

/** A report of the three parts, each described by `part`. */
const reportOf = <Part extends z.ZodType>(part: Part) =>
  z
    .object({
      status: z.enum(["ok", "degraded"]),
      checks: z.object({ database: part, engine: part, hub: part }).strict(),
    })
    .strict();

export const partHealthSchema = z
  .object({ ok: z.boolean(), latencyMs: z.number(), version: z.string().optional(), error: z.string().optional() })
  .strict();
export type PartHealth = z.infer<typeof partHealthSchema>;

export const healthReportSchema = reportOf(partHealthSchema);
export type HealthReport = z.infer<typeof healthReportSchema>;

/** What anyone may see: up or down, per part; no versions, timings or error messages. */
export const publicHealthSchema = reportOf(z.object({ ok: z.boolean() }).strict());
export type PublicHealth = z.infer<typeof publicHealthSchema>;
