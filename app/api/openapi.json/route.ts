import { operations } from "@/lib/api/operations";
import { openApiDocument } from "@/lib/api/openapi";
import { publicBaseUrl, serverEnv } from "@/lib/env";
import { route } from "@/lib/http/route";
import packageJson from "@/package.json";

export const dynamic = "force-dynamic";

// Generated once per process from the same schemas the routes parse with.
let document: Record<string, unknown> | undefined;

export const GET = route(operations.openapi, async () =>
  Response.json((document ??= openApiDocument(publicBaseUrl(), packageJson.version, serverEnv().KILN_WRITE_SCOPE)), { headers: { "cache-control": "public, max-age=300" } }),
);
