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
  };
}

/** Runs one of scripts/*.sh (e.g. `engine.sh stop`) as the stack itself would. */
export async function stackScript(script: string, ...args: string[]): Promise<void> {
  await run("bash", [path.join(root, "scripts", script), ...args], { timeout: 120_000 });
}
