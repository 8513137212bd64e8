import "server-only";
import { z } from "zod";
import { serverEnv } from "@/lib/env";

// The only caller of the JupyterHub REST API, with Kiln's service token.

export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
  override name = "HubError";
}

async function hubFetch(path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  const env = serverEnv();
  const { timeoutMs = 10_000, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(`${env.JUPYTERHUB_API_URL}${path}`, {
      ...rest,
      headers: { authorization: `token ${env.JUPYTERHUB_API_TOKEN}`, ...rest.headers },
      signal: AbortSignal.timeout(timeoutMs),
      cache: "no-store",
    });
  } catch (error) {
    throw new HubError(`JupyterHub at ${env.JUPYTERHUB_API_URL} is unreachable: ${(error as Error).message}`);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new HubError(`JupyterHub answered ${response.status} to ${path}: ${text.slice(0, 300)}`, response.status);
  }
  return response;
}

const versionSchema = z.object({ version: z.string() });

/** The Hub's version; also proves that Kiln's token is accepted. */
export async function hubVersion(timeoutMs: number): Promise<string> {
  // GET /hub/api/ answers without a token, so /info would be needed for the token; /user proves it.
  const [root] = await Promise.all([
    hubFetch("/", { timeoutMs }).then(async (r) => versionSchema.parse(await r.json())),
    hubFetch("/user", { timeoutMs }),
  ]);
  return root.version;
}
