import "server-only";
import type { KilnUser } from "@/lib/auth/identity";
import { userServers } from "@/lib/hub/client";
import type { UsageView } from "@/lib/policy/schema";
import { kilnServersRunning, usageFor } from "./server";

/** The Usage panel: counts from the database, running servers from the Hub (left out if it is down). */
export async function usageForViewer(user: KilnUser): Promise<UsageView> {
  const servers = await userServers(user.name).catch(() => null);
  const running = servers === null ? null : kilnServersRunning(servers);
  return usageFor(user, running);
}
