import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { serversResponseSchema } from "@/lib/launches/schema";
import { listServers } from "@/lib/launches/server";

export const GET = route(operations.servers, async ({ user }) => serversResponseSchema.parse({ servers: await listServers(user) }));
