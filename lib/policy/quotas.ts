// The per-person limits, how people read them and their amounts: zod-free, so browser code can import it.

/** Per-person limits; null means no limit. */
export const quotaKeys = ["concurrentBuilds", "buildsPerHour", "libraryImages", "imageBytes", "sharedImages", "concurrentServers"] as const;
export type QuotaKey = (typeof quotaKeys)[number];

/** How people read each limit: its name, and the unit of the numbers. */
export const quotaLabels: Record<QuotaKey, { name: string; unit: string }> = {
  concurrentBuilds: { name: "builds in progress at once", unit: "builds" },
  buildsPerHour: { name: "new builds per hour", unit: "builds" },
  libraryImages: { name: "images in your library", unit: "images" },
  imageBytes: { name: "storage of images only you have", unit: "bytes" },
  sharedImages: { name: "images shared with everyone", unit: "images" },
  concurrentServers: { name: "servers running at once", unit: "servers" },
};

const GiB_BYTES = 1024 ** 3;

/** A use or a limit as people read it: whole counts, storage in GiB. */
export const formatQuotaAmount = (unit: string, value: number): string =>
  unit === "bytes" ? `${(value / GiB_BYTES).toFixed(value >= 10 * GiB_BYTES ? 0 : 1)} GiB` : String(value);
