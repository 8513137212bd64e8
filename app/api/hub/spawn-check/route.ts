import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { checkHubSpawn } from "@/lib/launches/server";

// Asked by jupyterhub_config.py's pre_spawn_hook, with the service token, before every start.
export const POST = route(operations.hubSpawnCheck, async ({ body }) => checkHubSpawn(body));
