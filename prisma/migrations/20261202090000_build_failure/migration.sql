-- What a failed build's page shows: the phase it stopped in, the step that failed and its last output lines.
ALTER TABLE "builds" ADD COLUMN "failed_phase" "build_status";
ALTER TABLE "builds" ADD COLUMN "failure_step" TEXT;
ALTER TABLE "builds" ADD COLUMN "failure_output" TEXT[] DEFAULT ARRAY[]::TEXT[];
