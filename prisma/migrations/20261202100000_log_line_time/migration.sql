-- When Kiln stored each log line (its "timestamps" view); lines stored before this have none.
ALTER TABLE "build_log_lines" ADD COLUMN "at" TIMESTAMPTZ(3);
ALTER TABLE "build_log_lines" ALTER COLUMN "at" SET DEFAULT CURRENT_TIMESTAMP;
