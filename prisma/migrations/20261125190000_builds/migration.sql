-- CreateEnum
CREATE TYPE "repo_provider" AS ENUM ('github', 'gitlab', 'gist', 'git', 'zenodo', 'figshare', 'dataverse', 'hydroshare');

-- CreateEnum
CREATE TYPE "visibility" AS ENUM ('private', 'shared');

-- CreateEnum
CREATE TYPE "build_status" AS ENUM ('queued', 'fetching', 'building', 'pushing', 'built', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "builds" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider" "repo_provider" NOT NULL,
    "repo_url" TEXT NOT NULL,
    "spec" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "requested_ref" TEXT NOT NULL,
    "resolved_ref" TEXT NOT NULL,
    "image_name" TEXT NOT NULL,
    "builder_image" TEXT NOT NULL,
    "status" "build_status" NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "exit_code" INTEGER,
    "container_id" TEXT,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "lines_consumed" INTEGER NOT NULL DEFAULT 0,
    "log_lines" INTEGER NOT NULL DEFAULT 0,
    "log_bytes" INTEGER NOT NULL DEFAULT 0,
    "log_truncated" BOOLEAN NOT NULL DEFAULT false,
    "requested_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "last_output_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "image_size_bytes" BIGINT,

    CONSTRAINT "builds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "build_log_lines" (
    "build_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "build_log_lines_pkey" PRIMARY KEY ("build_id","seq")
);

-- CreateTable
CREATE TABLE "library_entries" (
    "id" SERIAL NOT NULL,
    "build_id" UUID NOT NULL,
    "user_id" INTEGER NOT NULL,
    "path" TEXT NOT NULL DEFAULT '',
    "visibility" "visibility" NOT NULL DEFAULT 'private',
    "launch_count" INTEGER NOT NULL DEFAULT 0,
    "last_launched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "library_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "builds_status_created_at_idx" ON "builds"("status", "created_at");

-- CreateIndex
CREATE INDEX "builds_image_name_idx" ON "builds"("image_name");

-- CreateIndex
CREATE INDEX "builds_requested_by_id_created_at_idx" ON "builds"("requested_by_id", "created_at");

-- CreateIndex
CREATE INDEX "library_entries_user_id_created_at_idx" ON "library_entries"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "library_entries_visibility_created_at_idx" ON "library_entries"("visibility", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "library_entries_build_id_user_id_key" ON "library_entries"("build_id", "user_id");

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_log_lines" ADD CONSTRAINT "build_log_lines_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "library_entries" ADD CONSTRAINT "library_entries_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "library_entries" ADD CONSTRAINT "library_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
