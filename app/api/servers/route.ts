import { route } from "@/lib/http/route";
import { serversResponseSchema } from "@/lib/launches/schema";
import { listServers } from "@/lib/launches/server";

export const GET = route({ access: "user" }, async ({ user }) => serversResponseSchema.parse({ servers: await listServers(user) }));
