// A build's status and what it means: zod-free, so browser code can import it.

export const buildStatuses = ["queued", "fetching", "building", "pushing", "built", "failed", "cancelled"] as const;
export type BuildStatus = (typeof buildStatuses)[number];
export const activeStatuses: readonly BuildStatus[] = ["queued", "fetching", "building", "pushing"];
export const runningStatuses: readonly BuildStatus[] = ["fetching", "building", "pushing"];
export const isFinished = (status: BuildStatus) => !activeStatuses.includes(status);
