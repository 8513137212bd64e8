import { randomBytes } from "node:crypto";
import pg from "pg";

// Unit tests that need PostgreSQL get a database of their own, made and dropped around them.

/** The stack's database, from which test databases are made (scripts/config.sh sets DATABASE_URL). */
export function adminDatabaseUrl(): string {
  const url = process.env.KILN_TEST_ADMIN_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run the tests with `npm test`, or source scripts/lib.sh and scripts/config.sh first");
  // Kept: tests point DATABASE_URL at their own database once made.
  process.env.KILN_TEST_ADMIN_DATABASE_URL ??= url;
  return url;
}

export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTempDatabase(): Promise<TempDatabase> {
  const name = `kiln_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminDatabaseUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A temporary database with every migration applied. */
export async function createMigratedDatabase(): Promise<TempDatabase> {
  const { migrate, readMigrations } = await import("@/lib/migrations/migrator");
  const path = await import("node:path");
  const database = await createTempDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await migrate(client, await readMigrations(path.resolve(import.meta.dirname, "../prisma/migrations")));
  await client.end();
  return database;
}

/**
 * The environment lib/env.ts requires, for tests that import Kiln's server modules: the given
 * database, the local engine, and a Hub that is not there (port 9 answers nothing).
 */
export function useTestEnvironment(databaseUrl: string): void {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    DOCKER_HOST: `unix://${process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock"}`,
    JUPYTERHUB_API_URL: "http://127.0.0.1:9/hub/api",
    JUPYTERHUB_API_TOKEN: "unused-in-this-test-0000",
    JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:9",
    NEXTAUTH_URL: "http://127.0.0.1:9/services/kiln/api/auth",
    NEXTAUTH_SECRET: "x".repeat(32),
  });
}
