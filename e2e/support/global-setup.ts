import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startGitDaemon } from "@/test/git-server";
import { stackEnv } from "./stack";

/**
 * Refuses to run against anything but the local stack (the specs sign in and stop services),
 * and serves the specs' git repositories on the port Kiln's KILN_ALLOWED_HOSTS names.
 */
export default async function globalSetup() {
  const { hubUrl, gitPort } = stackEnv();
  const host = new URL(hubUrl).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    throw new Error(`e2e refuses to run against ${hubUrl}: only a local stack on 127.0.0.1 may be driven by tests`);
  }
  const response = await fetch(`${hubUrl}/services/kiln/api/health`).catch(() => null);
  if (!response?.ok) {
    throw new Error(`Kiln is not healthy at ${hubUrl}/services/kiln/api/health; run scripts/stack-up.sh first`);
  }
  const root = mkdtempSync(path.join(tmpdir(), "kiln-e2e-git-"));
  process.env.KILN_E2E_GIT_ROOT = root;
  const daemon = await startGitDaemon(root, gitPort);
  return async () => {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
  };
}
