import { randomBytes } from "node:crypto";
import pg from "pg";

// Unit tests that need PostgreSQL get a database of their own, made and dropped around them.

const adminUrl = process.env.DATABASE_URL ?? "postgresql://kiln:kiln@127.0.0.1:5432/kiln";

export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTempDatabase(): Promise<TempDatabase> {
  const name = `kiln_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
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
