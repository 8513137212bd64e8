import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTempDatabase, type TempDatabase } from "@/test/temp-database";
import { checksumOf, migrate, MigrationError, readMigrations, type MigrationFile } from "./migrator";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

const file = (name: string, sql: string): MigrationFile => ({ name, sql, checksum: checksumOf(sql) });

let database: TempDatabase;
let client: pg.Client;

beforeEach(async () => {
  database = await createTempDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

afterEach(async () => {
  await client.end();
  await database.drop();
});

async function records() {
  const { rows } = await client.query(
    `SELECT migration_name, checksum, finished_at, logs, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return rows;
}

describe("migrate", () => {
  it("applies the project's migrations and records them as Prisma does", async () => {
    const migrations = await readMigrations(migrationsDir);
    expect(migrations.length).toBeGreaterThan(0);
    const applied = await migrate(client, migrations);
    expect(applied).toEqual(migrations.map((m) => m.name));

    const rows = await records();
    expect(rows.map((r) => r.migration_name)).toEqual(applied);
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.checksum).toBe(migrations[i]?.checksum);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
    }
  });

  it("checksums the file's bytes with sha256, as Prisma does", async () => {
    const [first] = await readMigrations(migrationsDir);
    const { createHash } = await import("node:crypto");
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(path.join(migrationsDir, first!.name, "migration.sql"));
    expect(first!.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("does nothing the second time", async () => {
    const migrations = await readMigrations(migrationsDir);
    await migrate(client, migrations);
    expect(await migrate(client, migrations)).toEqual([]);
    expect(await records()).toHaveLength(migrations.length);
  });

  it("applies only what is new", async () => {
    const first = file("20260101000000_a", `CREATE TABLE a (id int)`);
    const second = file("20260102000000_b", `CREATE TABLE b (id int)`);
    await migrate(client, [first]);
    expect(await migrate(client, [first, second])).toEqual([second.name]);
  });

  it("moves stored log lines into chunks keeping every line's number, text and time", async () => {
    const migrations = await readMigrations(migrationsDir);
    const chunksAt = migrations.findIndex((m) => m.name.endsWith("_log_chunks"));
    await migrate(client, migrations.slice(0, chunksAt));
    await client.query(`INSERT INTO users (name) VALUES ('migrated')`);
    const { rows: [build] } = await client.query(`
      INSERT INTO builds (provider, repo_url, spec, display_name, requested_ref, resolved_ref, image_name, builder_image, requested_by_id, log_lines)
      SELECT 'git', 'git://127.0.0.1:9/m.git', 'git/m/HEAD', 'm', 'HEAD', 'x', 'kiln-m', 'b', id, 2603 FROM users RETURNING id`);
    // Lines from before timestamps (null), then three batches: 2,500 lines at once, one long line, two lines.
    await client.query(`INSERT INTO build_log_lines (build_id, seq, text, at) SELECT $1, s, 'old ' || s, NULL FROM generate_series(1, 100) s`, [build.id]);
    await client.query(`INSERT INTO build_log_lines (build_id, seq, text, at) SELECT $1, s, 'big ' || s, '2026-01-01T00:00:01Z' FROM generate_series(101, 2600) s`, [build.id]);
    await client.query(`INSERT INTO build_log_lines (build_id, seq, text, at) VALUES ($1, 2601, repeat('y', 300000), '2026-01-01T00:00:02Z')`, [build.id]);
    await client.query(`INSERT INTO build_log_lines (build_id, seq, text, at) SELECT $1, s, 'end ' || s, '2026-01-01T00:00:03Z' FROM generate_series(2602, 2603) s`, [build.id]);
    const before = await client.query(`SELECT seq, text, at FROM build_log_lines ORDER BY seq`);

    await migrate(client, migrations.slice(0, chunksAt + 1));
    const after = await client.query(`
      SELECT c.first_seq + u.o::int - 1 AS seq, u.t AS text, c.at
      FROM build_log_chunks c CROSS JOIN LATERAL unnest(c.lines) WITH ORDINALITY AS u(t, o) ORDER BY 1`);
    expect(after.rows).toEqual(before.rows);
    const chunks = await client.query(`SELECT first_seq, last_seq FROM build_log_chunks ORDER BY first_seq`);
    expect(chunks.rows.map((c) => [c.first_seq, c.last_seq])).toEqual([[1, 100], [101, 1100], [1101, 2100], [2101, 2600], [2601, 2601], [2602, 2603]]);
    expect((await client.query(`SELECT to_regclass('build_log_lines') AS old`)).rows[0].old).toBeNull();
  });

  it("rolls a failing migration back whole and records why", async () => {
    const good = file("20260101000000_good", `CREATE TABLE kept (id int)`);
    const bad = file("20260102000000_bad", `CREATE TABLE half (id int);\nSELECT * FROM no_such_table;`);
    await expect(migrate(client, [good, bad])).rejects.toThrow(/20260102000000_bad failed and was rolled back: .*no_such_table/);

    const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
    expect(tables.rows.map((r) => r.tablename)).toEqual(["_prisma_migrations", "kept"]);
    const rows = await records();
    expect(rows[1]).toMatchObject({ migration_name: bad.name, finished_at: null, applied_steps_count: 0 });
    expect(rows[1]?.logs).toContain("no_such_table");
  });

  it("refuses to continue after a failed migration until it is marked rolled back", async () => {
    const bad = file("20260102000000_bad", `SELECT * FROM no_such_table`);
    await expect(migrate(client, [bad])).rejects.toThrow(MigrationError);
    await expect(migrate(client, [bad])).rejects.toThrow(/failed earlier.*rolled_back_at = now\(\)/s);

    await client.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [bad.name]);
    const fixed = file(bad.name, `CREATE TABLE fixed (id int)`);
    expect(await migrate(client, [fixed])).toEqual([bad.name]);
  });

  it("refuses a migration edited after it was applied", async () => {
    await migrate(client, [file("20260101000000_a", `CREATE TABLE a (id int)`)]);
    await expect(migrate(client, [file("20260101000000_a", `CREATE TABLE a (id bigint)`)])).rejects.toThrow(
      /20260101000000_a was edited after it was applied/,
    );
  });

  it("applies each migration once when two migrators race", async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      const migrations = [file("20260101000000_a", `CREATE TABLE a (id int)`), file("20260102000000_b", `SELECT pg_sleep(0.2)`)];
      const results = await Promise.all([migrate(client, migrations), migrate(other, migrations)]);
      expect(results.flat().sort()).toEqual(migrations.map((m) => m.name));
      expect(await records()).toHaveLength(2);
    } finally {
      await other.end();
    }
  });
});
