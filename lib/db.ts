import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
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
