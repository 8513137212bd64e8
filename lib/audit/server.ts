import "server-only";
import { log } from "@/lib/log";
import { stringify } from "csv-stringify/sync";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { AuditAction, AuditOutcome } from "./actions";
import type { AuditEventView, AuditPage, AuditQuery } from "./schema";

/** Anything that can write: the client, or a transaction so the event commits with the change. */
type Writer = Pick<Prisma.TransactionClient, "auditEvent">;

export interface AuditRecord {
  actor: string;
  action: AuditAction;
  target?: string;
  outcome?: AuditOutcome;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** Appends one event. Inside a transaction, it commits (or rolls back) with what it records. */
export async function audit(writer: Writer, event: AuditRecord): Promise<void> {
  await writer.auditEvent.create({
    data: {
      actor: event.actor,
      action: event.action,
      target: event.target ?? "",
      outcome: event.outcome ?? "ok",
      reason: event.reason ?? null,
      details: (event.details ?? {}) as Prisma.InputJsonObject,
    },
  });
}

/** Records a refusal on its own: the refused change rolled back, the record of it must not. */
export async function auditRefusal(event: Omit<AuditRecord, "outcome">): Promise<void> {
  await audit(db(), { ...event, outcome: "refused" }).catch((error: unknown) => log.error({ err: error }, "could not record a refusal in the audit log"));
}

function whereFor(query: Omit<AuditQuery, "before">): Prisma.AuditEventWhereInput {
  const where: Prisma.AuditEventWhereInput = {};
  if (query.actor) where.actor = query.actor;
  if (query.action) where.action = query.action;
  if (query.outcome) where.outcome = query.outcome;
  if (query.q) where.OR = [{ target: { contains: query.q, mode: "insensitive" } }, { reason: { contains: query.q, mode: "insensitive" } }];
  if (query.since || query.until) where.at = { ...(query.since ? { gte: new Date(query.since) } : {}), ...(query.until ? { lte: new Date(query.until) } : {}) };
  return where;
}

type Row = Prisma.AuditEventGetPayload<object>;

function toView(row: Row): AuditEventView {
  return {
    id: row.id.toString(),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    reason: row.reason,
    details: (row.details ?? {}) as Record<string, unknown>,
  };
}

const PAGE = 100;

export async function listAudit(query: AuditQuery): Promise<AuditPage> {
  const where = whereFor(query);
  if (query.before) where.id = { lt: BigInt(query.before) };
  const rows = await db().auditEvent.findMany({ where, orderBy: { id: "desc" }, take: PAGE + 1 });
  const page = rows.slice(0, PAGE).map(toView);
  return { events: page, nextBefore: rows.length > PAGE ? (page.at(-1)?.id ?? null) : null };
}

const EXPORT_BATCH = 1000;
// A cell a spreadsheet would run as a formula (a report's reason is anyone's text) is quoted.
const csvOptions = { cast: { string: (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value) } };
const CSV_COLUMNS = ["id", "at", "actor", "action", "target", "outcome", "reason", "details"] as const;

/**
 * The whole matching log, oldest first, as CSV or JSON lines, read in batches so an export of
 * millions of events never sits in memory at once.
 */
export function exportAudit(query: Omit<AuditQuery, "before">, format: "csv" | "jsonl"): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const where = whereFor(query);
  let after: bigint | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started && format === "csv") controller.enqueue(encoder.encode(stringify([[...CSV_COLUMNS]])));
      started = true;
      const rows = await db().auditEvent.findMany({
        where: after === null ? where : { AND: [where, { id: { gt: after } }] },
        orderBy: { id: "asc" },
        take: EXPORT_BATCH,
      });
      if (!rows.length) {
        controller.close();
        return;
      }
      after = rows.at(-1)!.id;
      const views = rows.map(toView);
      const chunk =
        format === "csv"
          ? stringify(views.map((v) => [v.id, v.at, v.actor, v.action, v.target, v.outcome, v.reason ?? "", JSON.stringify(v.details)]), csvOptions)
          : views.map((v) => `${JSON.stringify(v)}\n`).join("");
      controller.enqueue(encoder.encode(chunk));
    },
  });
}

/** Removes events older than the retention, through the database's own prune function. */
export async function pruneAudit(retentionDays: number): Promise<number> {
  const [row] = await db().$queryRaw<{ removed: bigint }[]>`SELECT kiln_audit_prune(${retentionDays}::int) AS removed`;
  const removed = Number(row?.removed ?? 0);
  if (removed > 0) await audit(db(), { actor: "kiln", action: "audit.prune", details: { removed, retentionDays } });
  return removed;
}
