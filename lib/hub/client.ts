import "server-only";
import { z } from "zod";
import { serverEnv } from "@/lib/env";
import { metrics } from "@/lib/metrics/registry";

// The only caller of the JupyterHub REST API, with Kiln's service token.

export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
  override name = "HubError";
}

async function hubFetch(path: string, init: RequestInit & { timeoutMs?: number; asToken?: string } = {}): Promise<Response> {
  const env = serverEnv();
  const { timeoutMs = 10_000, asToken = env.JUPYTERHUB_API_TOKEN, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(`${env.JUPYTERHUB_API_URL}${path}`, {
      ...rest,
      headers: { authorization: `token ${asToken}`, ...rest.headers },
      signal: AbortSignal.timeout(timeoutMs),
      cache: "no-store",
    });
  } catch (error) {
    metrics().hubErrors.inc({ kind: "unreachable" });
    throw new HubError(`JupyterHub at ${env.JUPYTERHUB_API_URL} is unreachable: ${(error as Error).message}`);
  }
  if (response.status >= 500) metrics().hubErrors.inc({ kind: "server_error" });
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

const serverSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  pending: z.string().nullable(),
  url: z.string(),
  started: z.string().nullable(),
  last_activity: z.string().nullable(),
  user_options: z.record(z.string(), z.unknown()).nullish(),
});
export type HubServer = z.infer<typeof serverSchema>;

const userServersSchema = z.object({ name: z.string(), servers: z.record(z.string(), serverSchema).default({}) });

const userPath = (user: string) => `/users/${encodeURIComponent(user)}`;
const serverPath = (user: string, server: string) => `${userPath(user)}/servers/${encodeURIComponent(server)}`;

/** The user's servers, named and default, running or starting. */
export async function userServers(user: string): Promise<HubServer[]> {
  // Stopped named servers count towards the Hub's limit and keep their names, so list them too.
  const response = await hubFetch(`${userPath(user)}?include_stopped_servers`);
  return Object.values(userServersSchema.parse(await response.json()).servers);
}

/** Asks the Hub to start a named server; `userOptions` reach the spawner as user_options. */
export async function startServer(user: string, server: string, userOptions: Record<string, string>): Promise<{ ready: boolean }> {
  // 201: the server is up; 202: still starting after the Hub's slow_spawn_timeout.
  const response = await hubFetch(serverPath(user, server), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(userOptions),
    timeoutMs: 30_000,
  });
  await response.body?.cancel();
  return { ready: response.status === 201 };
}

export async function stopServer(user: string, server: string, remove = false): Promise<void> {
  await hubFetch(serverPath(user, server), {
    method: "DELETE",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ remove }),
    timeoutMs: 60_000,
  });
}

/** The Hub's progress event stream for a starting server (text/event-stream). */
export async function serverProgress(user: string, server: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const env = serverEnv();
  let response: Response;
  try {
    response = await fetch(`${env.JUPYTERHUB_API_URL}${serverPath(user, server)}/progress`, {
      headers: { authorization: `token ${env.JUPYTERHUB_API_TOKEN}`, accept: "text/event-stream" },
      signal,
      cache: "no-store",
    });
  } catch (error) {
    if (!signal.aborted) metrics().hubErrors.inc({ kind: "unreachable" });
    throw new HubError(`JupyterHub is unreachable: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new HubError(`JupyterHub answered ${response.status} for progress`, response.status);
  return response.body;
}

/**
 * Who a user's own OAuth token (issued to Kiln at sign-in) says they are now, as at sign-in; the
 * Hub revokes it when the user signs out of the Hub. "unknown" when the Hub could not be asked.
 */
export async function userTokenProfile(userToken: string, timeoutMs = 3000): Promise<{ status: "valid"; profile: unknown } | { status: "revoked" | "unknown" }> {
  try {
    const response = await fetch(`${serverEnv().JUPYTERHUB_API_URL}/user`, {
      headers: { authorization: `token ${userToken}` },
      signal: AbortSignal.timeout(timeoutMs),
      cache: "no-store",
    });
    if (response.ok) return { status: "valid", profile: await response.json() };
    await response.body?.cancel();
    if (response.status >= 500) metrics().hubErrors.inc({ kind: "server_error" });
    return { status: response.status === 401 || response.status === 403 ? "revoked" : "unknown" };
  } catch {
    metrics().hubErrors.inc({ kind: "unreachable" });
    return { status: "unknown" };
  }
}

/** Every running or starting server of every user, with the image Kiln asked for (if any). */
export async function activeServers(): Promise<{ user: string; server: string; image: string | null }[]> {
  const found: { user: string; server: string; image: string | null }[] = [];
  // Paginated as the Hub allows; only users with an active (ready or pending) server are listed.
  for (let offset = 0; ; offset += 200) {
    const response = await hubFetch(`/users?state=active&offset=${offset}&limit=200`);
    const users = z.array(userServersSchema).parse(await response.json());
    for (const user of users) {
      for (const server of Object.values(user.servers)) {
        if (!server.ready && !server.pending) continue;
        const image = server.user_options?.image;
        found.push({ user: user.name, server: server.name, image: typeof image === "string" ? image : null });
      }
    }
    if (users.length < 200) return found;
  }
}

/** Every running or starting server, of every user, whose image is `image`. */
export async function activeServersWithImage(image: string): Promise<{ user: string; server: string }[]> {
  return (await activeServers()).filter((s) => s.image === image).map(({ user, server }) => ({ user, server }));
}

const createdTokenSchema = z.object({ token: z.string().min(1), id: z.string(), expires_at: z.string().nullable() });

/**
 * A new API token of `user` that can only reach one of their servers (its Jupyter REST and
 * WebSocket APIs) and expires after `seconds`: what the build API hands a client such as Thebe.
 * Made with the user's own token (`userToken`), so Kiln never mints tokens on its own authority.
 */
export async function createServerToken(userToken: string, user: string, server: string, seconds: number, note: string): Promise<{ token: string; expiresAt: string | null }> {
  const response = await hubFetch(`${userPath(user)}/tokens`, {
    asToken: userToken,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ scopes: [`access:servers!server=${user}/${server}`], expires_in: seconds, note }),
  });
  const created = createdTokenSchema.parse(await response.json());
  return { token: created.token, expiresAt: created.expires_at };
}
