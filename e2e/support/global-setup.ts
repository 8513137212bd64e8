import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startGitDaemon } from "@/test/git-server";
import type { FullConfig } from "@playwright/test";
import { hubApi, hubUserToken, engineCli, removeAllServers, stackEnv, workerUsers } from "./stack";

/**
 * Refuses to run against anything but the local stack (the specs sign in and stop services),
 * makes this run's own Hub users (so the demo accounts are never touched), and serves the
 * specs' git repositories on the port Kiln's KILN_ALLOWED_HOSTS names.
 */
export default async function globalSetup(config: FullConfig) {
  const { hubUrl, gitPort } = stackEnv();
  const host = new URL(hubUrl).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    throw new Error(`e2e refuses to run against ${hubUrl}: only a local stack on 127.0.0.1 may be driven by tests`);
  }
  const response = await fetch(`${hubUrl}/services/kiln/api/health`).catch(() => null);
  if (!response?.ok) {
    throw new Error(`Kiln is not healthy at ${hubUrl}/services/kiln/api/health; run scripts/stack-up.sh first`);
  }
  const users = await createTestUsers(config.workers);
  const unlimit = await liftQuotas(users);
  const root = mkdtempSync(path.join(tmpdir(), "kiln-e2e-git-"));
  process.env.KILN_E2E_GIT_ROOT = root;
  const daemon = await startGitDaemon(root, gitPort);
  return async () => {
    await unlimit().catch((error: unknown) => console.error("could not restore the quota policy", error));
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
    await removeTestUsers(users);
  };
}

async function hubOk(pathname: string, init: RequestInit): Promise<void> {
  const response = await hubApi(pathname, init);
  if (!response.ok) throw new Error(`the Hub answered ${response.status} to ${init.method ?? "GET"} ${pathname}: ${await response.text()}`);
}

/** Each worker's users (workerUsers names them): an admin, a moderator by group, and three people. */
async function createTestUsers(workers: number): Promise<string[]> {
  const all: string[] = [];
  for (let index = 0; index < workers; index++) {
    const { admin, moderator, users: people } = workerUsers(index);
    await hubOk("/users", { method: "POST", body: JSON.stringify({ usernames: [admin], admin: true }) });
    await hubOk("/users", { method: "POST", body: JSON.stringify({ usernames: [moderator, ...people] }) });
    await hubOk("/groups/kiln-moderators/users", { method: "POST", body: JSON.stringify({ users: [moderator] }) });
    all.push(admin, moderator, ...people);
  }
  return all;
}

/**
 * The suite builds far more than a person would in an hour: this run's users get a Hub group
 * whose override lifts every quota (the quota spec uses a user of its own, outside it).
 * Returns what undoes it.
 */
async function liftQuotas(users: string[]): Promise<() => Promise<void>> {
  const group = stackEnv().unlimitedGroup;
  await hubOk(`/groups/${group}`, { method: "POST", body: JSON.stringify({ users }) });
  const { token } = await hubUserToken(stackEnv().admin);
  const api = `${stackEnv().hubUrl}/services/kiln/api/admin/policy`;
  const headers = { authorization: `token ${token}`, "content-type": "application/json" };
  const change = async (edit: (groups: Record<string, unknown>) => void) => {
    const policy = (await (await fetch(api, { headers })).json()) as { quotas: { groups: Record<string, unknown> } };
    edit(policy.quotas.groups);
    const saved = await fetch(api, { method: "PUT", headers, body: JSON.stringify({ policy, reason: "e2e: this run's users build without quotas" }) });
    if (!saved.ok) throw new Error(`Kiln answered ${saved.status} to the policy change: ${await saved.text()}`);
  };
  const unlimited = { concurrentBuilds: null, buildsPerHour: null, libraryImages: null, imageBytes: null, sharedImages: null, concurrentServers: null };
  await change((groups) => void (groups[group] = unlimited));
  return async () => {
    await change((groups) => void delete groups[group]);
    await hubApi(`/groups/${group}`, { method: "DELETE" });
  };
}

/** Deletes this run's users from the Hub, their servers and their home volumes. */
async function removeTestUsers(users: string[]): Promise<void> {
  for (const user of users) {
    await removeAllServers(user).catch(() => undefined);
    await hubApi(`/users/${user}`, { method: "DELETE" });
  }
  const run = users[0]?.split("-").slice(0, 2).join("-");
  if (!run) return;
  // DockerSpawner escapes "-" in user names as "-2d" in volume names (jupyterhub-user-e2e-2dab12cd-2d…).
  const listed = await Promise.all([run, run.replaceAll("-", "-2d")].map((name) => engineCli("volume", "ls", "-q", "--filter", `name=${name}`).catch(() => "")));
  const volumes = [...new Set(listed.join("\n").split("\n").filter(Boolean))];
  if (volumes.length) await engineCli("volume", "rm", "-f", ...volumes).catch(() => undefined);
}
