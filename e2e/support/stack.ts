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
