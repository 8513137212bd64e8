import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

// What the specs know of the local stack: its URLs, this run's own users and service scripts.

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

export function stackEnv() {
  return {
    hubUrl: process.env.KILN_HUB_PUBLIC_URL ?? "http://127.0.0.1:8000",
    password: process.env.KILN_DEMO_PASSWORD ?? "kiln-demo",
    ...workerUsers(Number(process.env.TEST_PARALLEL_INDEX ?? 0)),
    // The Hub group global-setup puts every worker's users in, whose override lifts every quota.
    unlimitedGroup: `${testRun()}-unlimited`,
    gitPort: Number(process.env.KILN_E2E_GIT_PORT ?? 9418),
    engineSocket: process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock",
  };
}

/**
 * The users of one parallel worker of this run (global-setup makes them on the Hub), never the
 * demo accounts. Workers running at once have different indexes, so no two specs running at
 * the same time share a user's servers, queue or library.
 */
export function workerUsers(parallelIndex: number) {
  const prefix = `${testRun()}-w${parallelIndex}`;
  return {
    admin: `${prefix}-admin`,
    moderator: `${prefix}-mod`,
    users: ["alice", "bob", "carol"].map((name) => `${prefix}-${name}`),
  };
}

/**
 * Test details for a spec that stops, restarts or reconfigures something every spec uses (Kiln,
 * the Hub, the engine, PostgreSQL, the Hub-wide policy): it runs only while no other spec does.
 */
export const runsAlone = { lock: "-exclusive-" } as const;

/** e2e-<random>, chosen once per run in playwright.config.ts and inherited by every worker. */
function testRun(): string {
  const run = process.env.KILN_E2E_RUN;
  if (!run) throw new Error("KILN_E2E_RUN is not set: run the specs through playwright.config.ts");
  return run;
}

/** A secret of the local stack (scripts/config.sh keeps them in $KILN_STATE/secrets.env). */
export async function stackSecret(name: string): Promise<string> {
  if (process.env[name]) return process.env[name]!;
  const { readFile } = await import("node:fs/promises");
  const secrets = await readFile(path.join(process.env.KILN_STATE ?? "/var/lib/kiln", "secrets.env"), "utf8");
  const value = new RegExp(`^${name}=(.+)$`, "m").exec(secrets)?.[1];
  if (!value) throw new Error(`${name} is not in secrets.env; run scripts/stack-up.sh`);
  return value;
}

/** Kiln's own database, for specs that inspect or age records (never the demo users'). */
export async function stackDatabase(): Promise<import("pg").Client> {
  const { default: pg } = await import("pg");
  const url = process.env.DATABASE_URL ?? `postgresql://kiln:${await stackSecret("KILN_DB_PASSWORD")}@127.0.0.1:5432/kiln`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The registry's HTTP API with Kiln's credentials (it refuses anonymous callers). */
export async function registryFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const auth = Buffer.from(`kiln:${await stackSecret("KILN_REGISTRY_PASSWORD")}`).toString("base64");
  return fetch(url, { ...init, headers: { authorization: `Basic ${auth}`, ...init.headers } });
}

/** Runs one of scripts/*.sh (e.g. `engine.sh stop`) as the stack itself would. */
export async function stackScript(script: string, ...args: string[]): Promise<void> {
  await run("bash", [path.join(root, "scripts", script), ...args], { timeout: 120_000 });
}

/** The stack's container engine (scripts/stack-up.sh records it): Podman's API, or Docker Engine (KILN_ENGINE=docker). */
export function stackEngine(): "podman" | "docker" {
  return process.env.KILN_ENGINE === "docker" ? "docker" : "podman";
}

/** Runs the engine's own CLI (podman, or docker) against the stack's engine and returns its standard output. */
export async function engineCli(...args: string[]): Promise<string> {
  const [command, target] =
    stackEngine() === "docker" ? ["docker", ["-H", process.env.DOCKER_HOST ?? "unix:///run/kiln-docker/docker.sock"]] : ["podman", ["--url", `unix://${stackEnv().engineSocket}`]];
  const { stdout } = await run(command, [...target, ...args], { timeout: 60_000 });
  return stdout.trim();
}

/** Whether the engine holds `image`. */
export async function engineHasImage(image: string): Promise<boolean> {
  return engineCli("image", "inspect", "--format", "{{.Id}}", image).then(
    () => true,
    () => false,
  );
}

/** The stack's mode (scripts/stack-up.sh records it): "docker", or "kubernetes" with build pods and KubeSpawner. */
export function stackMode(): "docker" | "kubernetes" {
  return process.env.KILN_MODE === "kubernetes" ? "kubernetes" : "docker";
}

/** kubectl with the local cluster's admin credentials, in Kiln's namespace. */
export async function kubectl(...args: string[]): Promise<string> {
  return kubectlAs("admin", ...args);
}

/** kubectl as the cluster's admin, or as Kiln (its service account, scripts/kubernetes/kiln-rbac.yaml). */
export async function kubectlAs(who: "admin" | "kiln", ...args: string[]): Promise<string> {
  const version = process.env.K8S_VERSION ?? "1.34.4";
  const bin = path.join(process.env.KILN_OPT ?? "/opt/kiln", "kubernetes", `v${version}`, "bin", "kubectl");
  const kubeconfig = path.join(process.env.KILN_STATE ?? "/var/lib/kiln", "kubernetes", `${who}.kubeconfig`);
  const { stdout } = await run(bin, [`--kubeconfig=${kubeconfig}`, "-n", process.env.KILN_K8S_NAMESPACE ?? "kiln", ...args], { timeout: 60_000 });
  return stdout.trim();
}

/**
 * The states of a build's builders, whatever runs them: containers ("running", "exited") or,
 * in Kubernetes mode, pods ("Running", "Succeeded", "Failed"). Empty once they are removed.
 */
export async function builderStates(buildId: string): Promise<string> {
  if (stackMode() === "kubernetes") return kubectl("get", "pods", "-l", `org.kiln.build-id=${buildId}`, "-o", "jsonpath={.items[*].status.phase}");
  return engineCli("ps", "-a", "--filter", `label=org.kiln.build-id=${buildId}`, "--format", "{{.State}}");
}

/** The image a user's named server runs, as the engine (or the cluster) started it. */
export async function serverImage(user: string, server: string): Promise<string> {
  if (stackMode() === "kubernetes") {
    const selector = `hub.jupyter.org/username=${user},hub.jupyter.org/servername=${server}`;
    return kubectl("get", "pods", "-l", selector, "-o", "jsonpath={.items[0].spec.containers[0].image}");
  }
  // DockerSpawner escapes container names; the Hub keeps the container's id in the server's state.
  const model = (await (await hubApi(`/users/${user}`)).json()) as { servers?: Record<string, { state?: { object_id?: string } }> };
  const id = model.servers?.[server]?.state?.object_id;
  if (!id) throw new Error(`the Hub reports no container for ${user}/${server}`);
  // Podman names the image as it was asked for in ImageName; Docker in Config.Image.
  return engineCli("inspect", "--format", stackEngine() === "docker" ? "{{.Config.Image}}" : "{{.ImageName}}", id);
}

/** The Hub's REST API with the test service's token, for setting up and cleaning after specs. */
export async function hubApi(pathname: string, init: RequestInit = {}): Promise<Response> {
  const token = await stackSecret("KILN_TEST_HUB_TOKEN");
  return fetch(`http://127.0.0.1:${process.env.HUB_API_PORT ?? 8081}/hub/api${pathname}`, {
    ...init,
    headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers },
  });
}

/** A new Hub API token of `user`: what the Hub's Token page makes, or narrower with `body.scopes`. */
export async function hubUserToken(user: string, body: Record<string, unknown> = {}): Promise<{ token: string; id: string }> {
  const response = await hubApi(`/users/${user}/tokens`, { method: "POST", body: JSON.stringify({ note: "e2e", ...body }) });
  if (response.status !== 201) throw new Error(`the Hub answered ${response.status} to a token for ${user}: ${await response.text()}`);
  return (await response.json()) as { token: string; id: string };
}

/** The Hub's own record of `user`'s server `name`: running, pending, or stopped (or gone). */
export async function hubServer(user: string, name: string): Promise<{ ready: boolean; pending: string | null } | undefined> {
  const model = (await (await hubApi(`/users/${user}?include_stopped_servers`)).json()) as { servers?: Record<string, { ready: boolean; pending: string | null }> };
  return model.servers?.[name];
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
