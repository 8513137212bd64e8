import "server-only";
import { db, type Database } from "@/lib/db";
import type { Build, Prisma } from "@/lib/generated/prisma/client";
import type { KilnUser } from "@/lib/auth/identity";
import { AppError } from "@/lib/http/errors";
import { buildIdParamsSchema, type BuildView, type LogLine } from "./schema";
import { activeStatuses, type BuildStatus } from "./status";
import type { FailureSummary } from "./failure";
import { buildSettings } from "./settings";
import { buildOutcome, metrics, repoLabels } from "@/lib/metrics/registry";
import type { ProviderId } from "@/lib/repos/providers";

// Builds and their log lines in PostgreSQL. Every change a viewer should see is followed by a
// NOTIFY on BUILD_CHANNEL (payload: the build id), sent when its transaction commits.

export const BUILD_CHANNEL = "kiln_build";
/** Wakes the scheduler: a build was queued or a cancel was asked for. */
export const QUEUE_CHANNEL = "kiln_build_queue";

export type BuildWithRequester = Build & { requestedBy: { name: string } };

const withRequester = { requestedBy: { select: { name: true } } } satisfies Prisma.BuildInclude;

// Reads take the client to use: live viewers and log downloads pass viewerDb(), their own small
// pool, so they can never hold the connections the builds write with.

export async function findBuild(id: string, client: Database = db()): Promise<BuildWithRequester | null> {
  // Only a well-formed UUID can name a build (36 dashes would reach PostgreSQL and fail there).
  if (!buildIdParamsSchema.shape.id.safeParse(id).success) return null;
  return client.build.findUnique({ where: { id }, include: withRequester });
}

export async function queuePosition(build: Pick<Build, "status" | "createdAt">, client: Database = db()): Promise<number | null> {
  if (build.status !== "queued") return null;
  return 1 + (await client.build.count({ where: { status: "queued", createdAt: { lt: build.createdAt } } }));
}

export function mayCancel(build: Pick<Build, "status"> & { requestedBy: { name: string } }, viewer: KilnUser | null): boolean {
  return Boolean(viewer && activeStatuses.includes(build.status) && (viewer.isModerator || build.requestedBy.name === viewer.name));
}

export async function toView(build: BuildWithRequester, viewer: KilnUser | null, client: Database = db()): Promise<BuildView> {
  return {
    id: build.id,
    provider: build.provider,
    displayName: build.displayName,
    spec: build.spec,
    repoUrl: build.repoUrl,
    requestedRef: build.requestedRef,
    resolvedRef: build.resolvedRef,
    imageName: build.imageName,
    status: build.status,
    error: build.error,
    failedPhase: build.failedPhase,
    failureStep: build.failureStep,
    failureOutput: build.failureOutput,
    requestedBy: build.requestedBy.name,
    createdAt: build.createdAt.toISOString(),
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
    logLines: build.logLines,
    logTruncated: build.logTruncated,
    queuePosition: await queuePosition(build, client),
    canCancel: mayCancel(build, viewer),
  };
}

/** Who may watch a build: those who asked for it, and moderators. */
export async function mayView(buildId: string, viewer: KilnUser, client: Database = db()): Promise<boolean> {
  if (viewer.isModerator) return true;
  const request = await client.libraryEntry.findFirst({ where: { buildId, user: { name: viewer.name } }, select: { id: true } });
  return request !== null;
}

const notify = (channel: string, payload: string) => db().$executeRaw`SELECT pg_notify(${channel}, ${payload})`;

export interface OutputBatch {
  /** First seq of `lines`. */
  firstSeq: number;
  lines: string[];
  /** The log's byte budget used once these lines are stored (see the runner's lineCost). */
  logBytes: number;
  /** Lines read from the container so far, stored or not. */
  linesConsumed: number;
  /** Something was left out (a line cut, or the log capped); never unset once set. */
  truncated: boolean;
  status?: BuildStatus;
}

/** A chunk holds at most this many lines and about this much text (always at least one line). */
export const CHUNK_LINES = 1000;
export const CHUNK_BYTES = 256 * 1024;

/** Consecutive runs of `lines` that fit a chunk each. */
export function chunkLines(lines: string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line);
    if (current.length && (current.length >= CHUNK_LINES || bytes + size > CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** Lines as they are stored: PostgreSQL text cannot hold NUL. */
const storable = (lines: string[]) => lines.map((line) => line.replaceAll("\u0000", ""));

/** Inserts lines first..first+n-1 as chunks; a chunk already stored (a retried batch) is skipped. */
function insertLines(
  client: Database | Prisma.TransactionClient,
  buildId: string,
  firstSeq: number,
  lines: string[],
  at: Date,
  onlyWhileRunning = false,
): Prisma.PrismaPromise<number>[] {
  const steps: Prisma.PrismaPromise<number>[] = [];
  let seq = firstSeq;
  for (const chunk of chunkLines(storable(lines))) {
    const lastSeq = seq + chunk.length - 1;
    steps.push(
      onlyWhileRunning
        ? client.$executeRaw`
            INSERT INTO build_log_chunks (build_id, first_seq, last_seq, lines, at)
            SELECT ${buildId}::uuid, ${seq}::int, ${lastSeq}::int, ${chunk}::text[], ${at}
            WHERE EXISTS (SELECT 1 FROM builds WHERE id = ${buildId}::uuid AND status IN ('queued', 'fetching', 'building', 'pushing'))
            ON CONFLICT DO NOTHING`
        : client.$executeRaw`
            INSERT INTO build_log_chunks (build_id, first_seq, last_seq, lines, at)
            VALUES (${buildId}::uuid, ${seq}::int, ${lastSeq}::int, ${chunk}::text[], ${at})
            ON CONFLICT DO NOTHING`,
    );
    seq += chunk.length;
  }
  return steps;
}

/** Told of a build's lines as soon as they are committed, by the process that stored them. */
export type AppendListener = (buildId: string, lines: LogLine[]) => void;
// On globalThis: Next may load this module more than once (route handlers, instrumentation).
const appendListeners = ((globalThis as { kilnAppendListeners?: Set<AppendListener> }).kilnAppendListeners ??= new Set());

/**
 * Live viewers in this process get lines straight from the write that stored them, without
 * waiting for its NOTIFY and reading them back; viewers in other processes get the NOTIFY.
 * (Not before the commit: a write that fails can leave its seqs to other lines.)
 */
export function onLinesAppended(listener: AppendListener): void {
  appendListeners.add(listener);
}

/**
 * Stores a batch of lines and the counters that go with them in one transaction. Idempotent, so
 * the runner may retry a batch whose commit it did not hear about: a batch splits into the same
 * chunks every time, those already stored are skipped, and the counters are set, not incremented.
 */
export async function appendOutput(buildId: string, batch: OutputBatch): Promise<void> {
  const at = new Date();
  // The counters first, and only while the build runs: that waits for a finish under way (its
  // row lock), and then the lines go in only if the build is still running, so nothing is ever
  // stored after (or under the seq of) a build's closing line.
  const steps: Prisma.PrismaPromise<unknown>[] = [
    db().build.updateMany({
      where: { id: buildId, status: { in: [...activeStatuses] } },
      data: {
        ...(batch.lines.length ? { logLines: batch.firstSeq + batch.lines.length - 1, lastOutputAt: at } : {}),
        logBytes: batch.logBytes,
        linesConsumed: batch.linesConsumed,
        ...(batch.truncated ? { logTruncated: true } : {}),
        ...(batch.status ? { status: batch.status } : {}),
      },
    }),
    ...insertLines(db(), buildId, batch.firstSeq, batch.lines, at, true),
  ];
  // Viewers care about lines and status; a counter-only update wakes nobody.
  if (batch.lines.length || batch.status || batch.truncated) steps.push(notify(BUILD_CHANNEL, buildId));
  const [updated] = (await db().$transaction(steps)) as [{ count: number }];
  if (!updated.count) throw new BuildNotRunningError(buildId);
  metrics().logLines.inc(batch.lines.length);
  if (batch.lines.length && appendListeners.size) {
    const lines = storable(batch.lines).map((text, i) => ({ seq: batch.firstSeq + i, text, at }));
    for (const listener of appendListeners) listener(buildId, lines);
  }
}

/** A write for a build that has finished (or gone): nothing was stored, and retrying cannot help. */
export class BuildNotRunningError extends Error {
  override name = "BuildNotRunningError";
  constructor(buildId: string) {
    super(`Build ${buildId} is no longer running; its output was not stored.`);
  }
}

/** Stores a build's first line as it is created (inside the creating transaction). */
export async function insertFirstLine(tx: Prisma.TransactionClient, buildId: string, text: string): Promise<void> {
  for (const step of insertLines(tx, buildId, 1, [text], new Date())) await step;
}

export async function updateBuild(buildId: string, data: Prisma.BuildUpdateInput): Promise<void> {
  await db().$transaction([db().build.update({ where: { id: buildId }, data }), notify(BUILD_CHANNEL, buildId)]);
}

/** Generous waits for the few interactive transactions: under load a retry costs more. */
const INTERACTIVE = { maxWait: 10_000, timeout: 20_000 };

/**
 * Finishes a build and appends its closing line, atomically. Does nothing (and returns false)
 * when the build has already finished, so a retried or repeated finish never adds a line.
 */
export async function finishBuild(
  buildId: string,
  status: Extract<BuildStatus, "built" | "failed" | "cancelled">,
  closingLine: string,
  fields: { error?: string | null; exitCode?: number | null; imageSizeBytes?: number; summary?: FailureSummary } = {},
): Promise<boolean> {
  const finished = await db().$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ status: BuildStatus; log_lines: number; provider: ProviderId; repo_url: string; started: Date }[]>`
      SELECT status, log_lines, provider, repo_url, coalesce(started_at, created_at) AS started FROM builds WHERE id = ${buildId}::uuid FOR UPDATE`;
    if (!row || !activeStatuses.includes(row.status)) return null;
    const summary = status === "failed" ? (fields.summary ?? null) : null;
    await tx.build.update({
      where: { id: buildId },
      data: {
        status,
        finishedAt: new Date(),
        error: fields.error ?? null,
        failedPhase: status === "failed" ? row.status : null,
        failureStep: summary?.step ?? null,
        failureOutput: summary?.output ?? [],
        exitCode: fields.exitCode ?? null,
        logLines: row.log_lines + 1,
        ...(fields.imageSizeBytes !== undefined ? { imageSizeBytes: BigInt(fields.imageSizeBytes) } : {}),
      },
    });
    for (const step of insertLines(tx, buildId, row.log_lines + 1, [closingLine], new Date())) await step;
    await tx.$executeRaw`SELECT pg_notify(${BUILD_CHANNEL}, ${buildId})`;
    return row;
  }, INTERACTIVE);
  if (!finished) return false;
  // Counted once the finish is committed, by the one call that made it.
  const outcome = buildOutcome(status);
  metrics().buildTime.observe({ status: outcome }, (Date.now() - finished.started.getTime()) / 1000);
  metrics().buildCount.inc({ status: outcome, ...repoLabels(finished.provider, finished.repo_url) });
  metrics().logLines.inc();
  return true;
}

/** The text of a build's newest stored lines, oldest first, each cut to 1,000 characters. */
export async function readNewestStoredLines(buildId: string, count: number, client: Database = db()): Promise<string[]> {
  const lines = await readNewestLines(client, buildId, 2_147_483_647, count, count * 64 * 1024);
  return lines.map((line) => line.text.slice(0, 1000));
}

export async function readLines(buildId: string, afterSeq: number, limit: number, client: Database = db()): Promise<LogLine[]> {
  return readLinePage(client, buildId, { afterSeq }, limit, Number.MAX_SAFE_INTEGER);
}

// Chunks are read as JSON text (array_to_json): Node parses it natively, several times faster
// than pg's parser of PostgreSQL's array format, which a hundred catching-up viewers felt.
interface ChunkRow {
  first_seq: number;
  lines: string;
  at: Date | null;
}

/** How many chunks one query reads (each sliced to the lines wanted, so at most 2 × limit lines). */
const CHUNKS_PER_QUERY = 2;

/**
 * The lines after `afterSeq` (and up to `toSeq`), at most `limit` of them and about `maxBytes`
 * of text: always the first line, then lines while the total stays within `maxBytes`. So a
 * page costs bounded memory however long the lines are: PostgreSQL sends only the slice of each
 * chunk the page can use.
 */
export async function readLinePage(
  client: Database,
  buildId: string,
  range: { afterSeq: number; toSeq?: number },
  limit: number,
  maxBytes: number,
): Promise<LogLine[]> {
  const toSeq = range.toSeq ?? 2_147_483_647;
  const page: LogLine[] = [];
  let cursor = range.afterSeq;
  let bytes = 0;
  for (;;) {
    const wanted = Math.min(limit - page.length, 1_000_000);
    const before = cursor;
    // Array subscripts count from 1: line seq is at index seq - first_seq + 1.
    const chunks = await client.$queryRaw<ChunkRow[]>`
      SELECT greatest(first_seq, ${cursor}::int + 1) AS first_seq, at,
        array_to_json(lines[greatest(1, ${cursor}::int - first_seq + 2) : least(last_seq, ${toSeq}::int, greatest(first_seq, ${cursor}::int + 1) + ${wanted}::int - 1) - first_seq + 1])::text AS lines
      FROM build_log_chunks
      WHERE build_id = ${buildId}::uuid AND last_seq > ${cursor}::int AND first_seq <= ${toSeq}::int
      ORDER BY last_seq LIMIT ${CHUNKS_PER_QUERY}::int`;
    for (const chunk of chunks) {
      const lines = JSON.parse(chunk.lines) as string[];
      for (let i = 0; i < lines.length; i += 1) {
        const seq = chunk.first_seq + i;
        if (seq !== cursor + 1 || seq > toSeq || page.length >= limit) return page;
        const text = lines[i]!;
        const size = Buffer.byteLength(text);
        if (page.length && bytes + size > maxBytes) return page;
        page.push({ seq, text, at: chunk.at });
        bytes += size;
        cursor = seq;
      }
    }
    if (chunks.length < CHUNKS_PER_QUERY || page.length >= limit || cursor === before) return page;
  }
}

/**
 * The newest lines up to `toSeq`, at most `limit` of them and `maxBytes` of text, oldest first:
 * what a live view keeps in memory.
 */
export async function readNewestLines(client: Database, buildId: string, toSeq: number, limit: number, maxBytes: number): Promise<LogLine[]> {
  const newestFirst: LogLine[] = [];
  let upTo = toSeq;
  let bytes = 0;
  collect: while (newestFirst.length < limit) {
    const wanted = Math.min(limit - newestFirst.length, 1_000_000);
    // Each chunk sliced to its lines up to upTo, at most `wanted` of them from the end.
    const chunks = await client.$queryRaw<ChunkRow[]>`
      SELECT greatest(first_seq, least(last_seq, ${upTo}::int) - ${wanted}::int + 1) AS first_seq, at,
        array_to_json(lines[greatest(1, least(last_seq, ${upTo}::int) - ${wanted}::int + 2 - first_seq) : least(last_seq, ${upTo}::int) - first_seq + 1])::text AS lines
      FROM build_log_chunks
      WHERE build_id = ${buildId}::uuid AND first_seq <= ${upTo}::int
      ORDER BY first_seq DESC LIMIT ${CHUNKS_PER_QUERY}::int`;
    for (const chunk of chunks) {
      const lines = JSON.parse(chunk.lines) as string[];
      for (let i = lines.length - 1; i >= 0; i -= 1) {
        const text = lines[i]!;
        const size = Buffer.byteLength(text);
        if (newestFirst.length >= limit || bytes + size > maxBytes) break collect;
        newestFirst.push({ seq: chunk.first_seq + i, text, at: chunk.at });
        bytes += size;
      }
      upTo = chunk.first_seq - 1;
    }
    if (chunks.length < CHUNKS_PER_QUERY) break;
  }
  return newestFirst.reverse();
}

/**
 * Refuses a new build when the user already has `limit` waiting in the queue. Call it inside the
 * transaction that creates the build: it takes a per-user lock so two requests cannot both pass.
 */
export async function assertMayQueue(userId: number, tx: Prisma.TransactionClient, limit = buildSettings().queuedPerUser): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUEUE_LOCK}::int, ${userId}::int)`;
  const queued = await tx.build.count({ where: { requestedById: userId, status: "queued" } });
  if (queued >= limit) {
    throw new AppError(
      "too_many_queued",
      429,
      `You already have ${queued} build${queued === 1 ? "" : "s"} waiting in the queue, the most Kiln keeps per person. Wait for one to start, or cancel one, then try again.`,
    );
  }
}

/** Key space of the per-user queue lock (pg_advisory_xact_lock(int, int)). */
const QUEUE_LOCK = 0x6b716c; // "kql"

export async function requestCancel(buildId: string): Promise<void> {
  await db().$transaction([
    db().build.update({ where: { id: buildId }, data: { cancelRequested: true } }),
    notify(QUEUE_CHANNEL, buildId),
  ]);
}

export async function wakeScheduler(buildId: string): Promise<void> {
  await notify(QUEUE_CHANNEL, buildId);
}
