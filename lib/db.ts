import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { serverEnv } from "@/lib/env";

// One client per process; kept on globalThis so dev-mode reloads do not open new pools.
const holder = globalThis as unknown as { kilnPrisma?: PrismaClient };

export function db(): PrismaClient {
  holder.kilnPrisma ??= new PrismaClient({
    adapter: new PrismaPg({ connectionString: serverEnv().DATABASE_URL, connectionTimeoutMillis: 5000 }),
  });
  return holder.kilnPrisma;
}

/**
 * A connection of its own, outside Prisma's pool: for LISTEN and for session-level advisory
 * locks, which must stay on one connection for as long as they are held.
 */
export async function dedicatedConnection(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: serverEnv().DATABASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}
