import "server-only";
import { db } from "@/lib/db";
import type { Build, Prisma } from "@/lib/generated/prisma/client";
import type { KilnUser } from "@/lib/auth/identity";
import { activeStatuses, type BuildStatus, type BuildView, type LogLine } from "./schema";

// Builds and their log lines in PostgreSQL. Every change a viewer should see is followed by a
// NOTIFY on BUILD_CHANNEL (payload: the build id), sent when its transaction commits.

export const BUILD_CHANNEL = "kiln_build";
/** Wakes the scheduler: a build was queued or a cancel was asked for. */
export const QUEUE_CHANNEL = "kiln_build_queue";

export type BuildWithRequester = Build & { requestedBy: { name: string } };

const withRequester = { requestedBy: { select: { name: true } } } satisfies Prisma.BuildInclude;

export async function findBuild(id: string): Promise<BuildWithRequester | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return db().build.findUnique({ where: { id }, include: withRequester });
}

export async function queuePosition(build: Pick<Build, "status" | "createdAt">): Promise<number | null> {
  if (build.status !== "queued") return null;
  return 1 + (await db().build.count({ where: { status: "queued", createdAt: { lt: build.createdAt } } }));
}

export function mayCancel(build: Pick<Build, "status"> & { requestedBy: { name: string } }, viewer: KilnUser | null): boolean {
  return Boolean(viewer && activeStatuses.includes(build.status) && (viewer.isModerator || build.requestedBy.name === viewer.name));
}

export async function toView(build: BuildWithRequester, viewer: KilnUser | null): Promise<BuildView> {
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
    requestedBy: build.requestedBy.name,
    createdAt: build.createdAt.toISOString(),
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
    logLines: build.logLines,
    logTruncated: build.logTruncated,
    queuePosition: await queuePosition(build),
    canCancel: mayCancel(build, viewer),
  };
}

/** Who may watch a build: those who asked for it, and moderators. */
export async function mayView(buildId: string, viewer: KilnUser): Promise<boolean> {
  if (viewer.isModerator) return true;
  const request = await db().libraryEntry.findFirst({ where: { buildId, user: { name: viewer.name } }, select: { id: true } });
  return request !== null;
}

const notify = (channel: string, payload: string) => db().$executeRaw`SELECT pg_notify(${channel}, ${payload})`;

export interface OutputBatch {
  /** First seq of `lines`. */
  firstSeq: number;
  lines: string[];
  bytes: number;
  /** Lines read from the container so far, stored or not. */
  linesConsumed: number;
  truncated: boolean;
  status?: BuildStatus;
}

/** Stores a batch of lines and the counters that go with them in one transaction. */
export async function appendOutput(buildId: string, batch: OutputBatch): Promise<void> {
  const seqs = batch.lines.map((_, i) => batch.firstSeq + i);
  // PostgreSQL text cannot hold NUL.
  const texts = batch.lines.map((line) => line.replaceAll("\u0000", ""));
  const steps: Prisma.PrismaPromise<unknown>[] = [];
  if (texts.length) {
    steps.push(db().$executeRaw`
      INSERT INTO build_log_lines (build_id, seq, text)
      SELECT ${buildId}::uuid, s, t FROM unnest(${seqs}::int[], ${texts}::text[]) AS x(s, t)`);
  }
  steps.push(
    db().build.update({
      where: { id: buildId },
      data: {
        logLines: { increment: texts.length },
        logBytes: { increment: batch.bytes },
        linesConsumed: batch.linesConsumed,
        logTruncated: batch.truncated,
        lastOutputAt: new Date(),
        ...(batch.status ? { status: batch.status } : {}),
      },
    }),
    notify(BUILD_CHANNEL, buildId),
  );
  await db().$transaction(steps);
}

export async function updateBuild(buildId: string, data: Prisma.BuildUpdateInput): Promise<void> {
  await db().$transaction([db().build.update({ where: { id: buildId }, data }), notify(BUILD_CHANNEL, buildId)]);
}

/** Finishes a build and appends its closing line, atomically. */
export async function finishBuild(
  buildId: string,
  status: Extract<BuildStatus, "built" | "failed" | "cancelled">,
  closingLine: string,
  fields: { error?: string | null; exitCode?: number | null; imageSizeBytes?: number } = {},
): Promise<void> {
  await db().$transaction(async (tx) => {
    const build = await tx.build.update({
      where: { id: buildId },
      data: {
        status,
        finishedAt: new Date(),
        error: fields.error ?? null,
        exitCode: fields.exitCode ?? null,
        logLines: { increment: 1 },
        ...(fields.imageSizeBytes !== undefined ? { imageSizeBytes: BigInt(fields.imageSizeBytes) } : {}),
      },
      select: { logLines: true },
    });
    await tx.buildLogLine.create({ data: { buildId, seq: build.logLines, text: closingLine } });
    await tx.$executeRaw`SELECT pg_notify(${BUILD_CHANNEL}, ${buildId})`;
  });
}

export async function readLines(buildId: string, afterSeq: number, limit: number): Promise<LogLine[]> {
  return db().buildLogLine.findMany({
    where: { buildId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
    select: { seq: true, text: true },
  });
}

export async function requestCancel(buildId: string): Promise<void> {
  await db().$transaction([
    db().build.update({ where: { id: buildId }, data: { cancelRequested: true } }),
    notify(QUEUE_CHANNEL, buildId),
  ]);
}

export async function wakeScheduler(buildId: string): Promise<void> {
  await notify(QUEUE_CHANNEL, buildId);
}
