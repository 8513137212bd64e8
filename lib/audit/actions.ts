// What an audit event records as its action and outcome: zod-free, so browser code can import it.

export const auditActions = [
  "build.request",
  "build.cancel",
  "entry.share",
  "entry.unshare",
  "entry.delete",
  "launch",
  "report.create",
  "report.dismiss",
  "moderation.approve",
  "moderation.reject",
  "moderation.unshare",
  "moderation.hide",
  "moderation.unhide",
  "moderation.delete",
  "moderation.feature",
  "moderation.unfeature",
  "moderation.ban",
  "moderation.stop_server",
  "ban.create",
  "ban.delete",
  "policy.update",
  "cleanup.run",
  "audit.prune",
] as const;
export type AuditAction = (typeof auditActions)[number];

export const auditOutcomes = ["ok", "refused", "failed"] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];
