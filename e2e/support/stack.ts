import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

// What the specs know of the local stack: its URLs, demo accounts and service scripts.

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

export function stackEnv() {
  return {
    hubUrl: process.env.KILN_HUB_PUBLIC_URL ?? "http://127.0.0.1:8000",
    password: process.env.KILN_DEMO_PASSWORD ?? "kiln-demo",
    admin: process.env.KILN_DEMO_ADMIN ?? "admin",
    users: (process.env.KILN_DEMO_USERS ?? "alice,bob").split(","),
    gitPort: Number(process.env.KILN_E2E_GIT_PORT ?? 9418),
    engineSocket: process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock",
  };
}

/** Runs one of scripts/*.sh (e.g. `engine.sh stop`) as the stack itself would. */
export async function stackScript(script: string, ...args: string[]): Promise<void> {
  await run("bash", [path.join(root, "scripts", script), ...args], { timeout: 120_000 });
}

/** Runs podman against the stack's engine API and returns its standard output. */
export async function podman(...args: string[]): Promise<string> {
  const { stdout } = await run("podman", ["--url", `unix://${stackEnv().engineSocket}`, ...args], { timeout: 60_000 });
  return stdout.trim();
}

/** The Hub's REST API with Kiln's service token, for setting up and cleaning after specs. */
export async function hubApi(pathname: string, init: RequestInit = {}): Promise<Response> {
  const { readFile } = await import("node:fs/promises");
  const secrets = await readFile(path.join(process.env.KILN_STATE ?? "/var/lib/kiln", "secrets.env"), "utf8");
  const token = /^KILN_HUB_API_TOKEN=(.+)$/m.exec(secrets)?.[1];
  return fetch(`http://127.0.0.1:${process.env.HUB_API_PORT ?? 8081}/hub/api${pathname}`, {
    ...init,
    headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers },
  });
}

/** Stops and removes every named server of `user`, so specs start from none. */
export async function removeAllServers(user: string): Promise<void> {
  const response = await hubApi(`/users/${user}?include_stopped_servers`);
  const model = (await response.json()) as { servers?: Record<string, { name: string }> };
  for (const name of Object.keys(model.servers ?? {})) {
    if (!name) continue;
    await hubApi(`/users/${user}/servers/${name}`, { method: "DELETE", body: JSON.stringify({ remove: true }) });
  }
  for (let i = 0; i < 60; i++) {
    const servers = ((await (await hubApi(`/users/${user}?include_stopped_servers`)).json()) as { servers?: Record<string, unknown> }).servers ?? {};
    if (Object.keys(servers).filter(Boolean).length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
