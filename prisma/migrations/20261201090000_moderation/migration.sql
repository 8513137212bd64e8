-- Moderation: review of shared images, reports, notifications, ban rules, Hub-wide settings
-- (approval mode, quotas, clean-up, audit retention) and the append-only audit log.

-- AlterEnum
ALTER TYPE "visibility" ADD VALUE 'pending';

-- CreateEnum
CREATE TYPE "ban_kind" AS ENUM ('spec', 'host', 'user_build', 'user_share');

-- AlterTable
ALTER TABLE "library_entries" ADD COLUMN     "shared_at" TIMESTAMPTZ(3),
ADD COLUMN     "hidden_at" TIMESTAMPTZ(3),
ADD COLUMN     "moderation_note" TEXT,
ADD COLUMN     "review_required" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "moderated_at" TIMESTAMPTZ(3),
ADD COLUMN     "featured_at" TIMESTAMPTZ(3),
ADD COLUMN     "featured_description" TEXT,
ADD COLUMN     "cleaned_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "reports" (
    "id" SERIAL NOT NULL,
    "entry_id" INTEGER,
    "subject" TEXT NOT NULL,
    "reporter_id" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    "resolution" TEXT,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "link" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at" TIMESTAMPTZ(3),

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ban_rules" (
    "id" SERIAL NOT NULL,
    "kind" "ban_kind" NOT NULL,
    "pattern" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ban_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL DEFAULT '',
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "library_entries_visibility_featured_at_idx" ON "library_entries"("visibility", "featured_at");

-- CreateIndex
CREATE INDEX "reports_entry_id_idx" ON "reports"("entry_id");

-- CreateIndex
CREATE INDEX "reports_resolved_at_created_at_idx" ON "reports"("resolved_at", "created_at");

-- CreateIndex
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "audit_events_actor_at_idx" ON "audit_events"("actor", "at");

-- CreateIndex
CREATE INDEX "audit_events_action_at_idx" ON "audit_events"("action", "at");

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "library_entries"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_reporter_id_fkey" FOREIGN KEY ("reporter_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The audit log is append-only, whoever asks: no UPDATE, no TRUNCATE, and DELETE only from
-- kiln_audit_prune (retention), which marks its own transaction. scripts/postgres.sh then gives
-- the table to a role the application cannot use, leaving the application SELECT and INSERT.
CREATE FUNCTION "kiln_audit_refuse"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('kiln.audit_prune', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "kiln_audit_refuse"();
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "kiln_audit_refuse"();

-- Removes events older than the retention, never younger than 30 days whatever the caller asks
-- (so neither Kiln's role nor a moderator can erase recent history); runs as the table's owner.
CREATE FUNCTION "kiln_audit_prune"(keep_days INTEGER) RETURNS BIGINT LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $$
DECLARE removed BIGINT;
BEGIN
  PERFORM set_config('kiln.audit_prune', 'on', true);
  DELETE FROM "audit_events" WHERE "at" < now() - make_interval(days => GREATEST(keep_days, 30));
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('kiln.audit_prune', 'off', true);
  RETURN removed;
END $$;
