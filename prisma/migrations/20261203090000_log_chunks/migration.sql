-- Log lines move from a row each to chunks of lines (see BuildLogChunk in schema.prisma).
CREATE TABLE "build_log_chunks" (
    "build_id" UUID NOT NULL,
    "first_seq" INTEGER NOT NULL,
    "last_seq" INTEGER NOT NULL,
    "lines" TEXT[],
    "at" TIMESTAMPTZ(3) DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "build_log_chunks_pkey" PRIMARY KEY ("build_id","first_seq")
);

-- lz4 compresses log text about as well as the default pglz, several times faster.
ALTER TABLE "build_log_chunks" ALTER COLUMN "lines" SET COMPRESSION lz4;

CREATE UNIQUE INDEX "build_log_chunks_build_id_last_seq_key" ON "build_log_chunks"("build_id", "last_seq");

ALTER TABLE "build_log_chunks" ADD CONSTRAINT "build_log_chunks_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing lines: each run of consecutive lines stored together (same time) becomes chunks of at
-- most 1,000 lines and about 256 KiB, as Kiln now writes them.
INSERT INTO "build_log_chunks" ("build_id", "first_seq", "last_seq", "lines", "at")
SELECT "build_id", min("seq"), max("seq"), array_agg("text" ORDER BY "seq"), min("at")
FROM (
    SELECT *,
        (row_number() OVER w - 1) / 1000 AS by_count,
        (sum(octet_length("text")) OVER w - octet_length("text")) / 262144 AS by_size
    FROM (
        SELECT "build_id", "seq", "text", "at",
            "seq" - row_number() OVER (PARTITION BY "build_id", "at" ORDER BY "seq") AS run
        FROM "build_log_lines"
    ) AS numbered
    WINDOW w AS (PARTITION BY "build_id", "at", run ORDER BY "seq")
) AS grouped
GROUP BY "build_id", "at", run, by_count, by_size;

DROP TABLE "build_log_lines";
