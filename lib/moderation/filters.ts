// The moderation queue's filters: zod-free, so browser code can import it.

export const moderationFilters = ["all", "pending", "reported", "hidden", "featured"] as const;
