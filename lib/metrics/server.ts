import "server-only";
import { activeStatuses } from "@/lib/builds/status";
import { db } from "@/lib/db";
import { log } from "@/lib/log";
import { metrics } from "./registry";

/** Scrapes within this long of the last refresh reuse it: an open /metrics cannot be made into a flood of queries. */
const REFRESH_MS = 5000;
let refreshed: { at: number; done: Promise<void> } | undefined;

/**
 * Sets the gauges of what the database holds (builds running and queued, library images) just
 * before a scrape: they are true after a restart, and cost two grouped counts per refresh. With
 * the database away the scrape still answers, with the last values and Kiln's own counters.
 */
export function refreshStoredGauges(): Promise<void> {
  if (!refreshed || performance.now() - refreshed.at >= REFRESH_MS) refreshed = { at: performance.now(), done: refresh() };
  return refreshed.done;
}

async function refresh(): Promise<void> {
  const { buildsInProgress, buildsQueued, libraryImages } = metrics();
  try {
    const [builds, entries] = await Promise.all([
      db().build.groupBy({ by: ["status"], where: { status: { in: [...activeStatuses] } }, _count: { _all: true } }),
      db().libraryEntry.groupBy({ by: ["visibility"], _count: { _all: true } }),
    ]);
    const count = (status: string) => builds.find((row) => row.status === status)?._count._all ?? 0;
    buildsQueued.set(count("queued"));
    buildsInProgress.set(activeStatuses.filter((status) => status !== "queued").reduce((sum, status) => sum + count(status), 0));
    for (const visibility of ["private", "shared", "pending"] as const) {
      libraryImages.set({ visibility }, entries.find((row) => row.visibility === visibility)?._count._all ?? 0);
    }
  } catch (error) {
    log.warn({ err: error }, "metrics: the database did not answer; build and library gauges keep their last values");
  }
}
