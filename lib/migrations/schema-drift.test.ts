import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempDatabase, type TempDatabase } from "@/test/temp-database";
import { actualShape, expectedShape, loadDmmf } from "./drift";
import { migrate, readMigrations } from "./migrator";

const root = path.resolve(import.meta.dirname, "../..");

let database: TempDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTempDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await migrate(client, await readMigrations(path.join(root, "prisma/migrations")));
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

describe("the migrated database", () => {
  it("matches schema.prisma table by table, column by column, index by index", async () => {
    const expected = expectedShape(await loadDmmf(path.join(root, "prisma/schema.prisma")));
    expect(Object.keys(expected.tables).length).toBeGreaterThan(0);
    expect(await actualShape(client)).toEqual(expected);
  });

  it("would be caught drifting: a column changed by hand no longer matches", async () => {
    const expected = expectedShape(await loadDmmf(path.join(root, "prisma/schema.prisma")));
    await client.query("BEGIN");
    try {
      await client.query(`ALTER TABLE "users" ALTER COLUMN "is_admin" DROP NOT NULL`);
      await client.query(`DROP INDEX "users_name_key"`);
      const drifted = await actualShape(client);
      expect(drifted).not.toEqual(expected);
      expect(drifted.tables.users?.columns.is_admin).toBe("boolean null default");
      expect(drifted.indexes.users_name_key).toBeUndefined();
    } finally {
      await client.query("ROLLBACK");
    }
  });
});
