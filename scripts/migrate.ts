// Applies prisma/migrations to DATABASE_URL (see lib/migrations/migrator.ts for why not `prisma migrate`).
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { migrate, readMigrations } from "../lib/migrations/migrator";
import { parseDatabaseEnv } from "../lib/env";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let client: pg.Client | undefined;
try {
  client = new pg.Client({ connectionString: parseDatabaseEnv(process.env).DATABASE_URL });
  await client.connect();
  const applied = await migrate(client, await readMigrations(path.join(root, "prisma/migrations")));
  console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await client?.end();
}

