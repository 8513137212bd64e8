import { z } from "zod";
import { route } from "@/lib/http/route";
import { checkHubSpawn } from "@/lib/launches/server";

// Asked by jupyterhub_config.py's pre_spawn_hook, with the service token, before every start.
const body = z
  .object({ user: z.string().min(1).max(255), server: z.string().max(255), image: z.string().max(1024).nullable(), ticket: z.string().max(200).optional() })
  .strict();

export const POST = route({ access: "hub", body }, async ({ body }) => checkHubSpawn(body));
