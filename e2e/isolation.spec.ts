import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { commitFiles } from "@/test/git-server";
import { dockerRepo } from "./support/repos";
import { kubectl, kubectlAs, engineCli, stackEnv, stackMode, stackSecret } from "./support/stack";

// Builds and servers share the host's network on the local stack, so every loopback service
// they can reach must ask for a secret they do not have.

const { users } = stackEnv();
const carol = users[2]!;

// Podman's builder has no heredocs in Dockerfiles, so the probe is a file of the repository.
const probe = `import ssl, urllib.request, urllib.error
insecure = ssl._create_unverified_context()
def status(url, method="GET", data=None):
    try:
        return urllib.request.urlopen(urllib.request.Request(url, method=method, data=data), timeout=5, context=insecure).status
    except urllib.error.HTTPError as error:
        return error.code
    except Exception as error:
        return type(error).__name__
print("probe registry-catalog", status("http://127.0.0.1:5000/v2/_catalog"))
print("probe registry-push", status("http://127.0.0.1:5000/v2/kiln-evil/blobs/uploads/", "POST", b""))
print("probe hub-api", status("http://127.0.0.1:8081/hub/api/users"))
print("probe proxy-api", status("http://127.0.0.1:8001/api/routes"))
print("probe kiln-api", status("http://127.0.0.1:3030/services/kiln/api/library"))
print("probe etcd-http", status("http://127.0.0.1:23790/v2/keys"))
print("probe etcd-https", status("https://127.0.0.1:23790/v2/keys"))
print("probe k8s-api", status("https://127.0.0.1:16443/api/v1/secrets"))
print("probe kubelet", status("https://127.0.0.1:10250/pods"))
print("probe k8s-done", "yes")
`;

test("a build step reaches no loopback service without a secret, and the builder carries none", { tag: "@kubernetes" }, async ({ page }) => {
  test.setTimeout(180_000);
  const repo = dockerRepo("hostile-probe", "COPY probe.py /tmp/probe.py\nRUN python3 /tmp/probe.py\nRUN sleep 8");
  commitFiles(process.env.KILN_E2E_GIT_ROOT!, repo.name, { "probe.py": probe });
  await new KilnShell(page).signInThroughHub(carol);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectLogShows("probe k8s-done", 120_000);

  if (stackMode() === "kubernetes") {
    // The build pod: no secret in its spec (it pushes with a Secret the kubelet hands it, and its
    // build steps run on the engine, not in the pod), no service account token, and limits.
    const [pod] = (JSON.parse(await kubectl("get", "pods", "-l", `org.kiln.build-id=${id}`, "-o", "json")) as { items: BuildPod[] }).items;
    expect(pod, "the build pod is running").toBeTruthy();
    const spec = JSON.stringify(pod!.spec);
    for (const name of ["KILN_DB_PASSWORD", "KILN_REGISTRY_PASSWORD", "KILN_REGISTRY_PULL_PASSWORD", "NEXTAUTH_SECRET", "KILN_HUB_API_TOKEN", "KILN_TEST_HUB_TOKEN"]) {
      expect(spec, name).not.toContain(await stackSecret(name));
    }
    const [builder] = pod!.spec.containers;
    expect(builder!.env).toContainEqual({ name: "CONTAINER_ENGINE_REGISTRY_CREDENTIALS", valueFrom: { secretKeyRef: { name: "kiln-build-push", key: "credentials" } } });
    expect(pod!.spec.automountServiceAccountToken).toBe(false);
    expect(builder!.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.stringMatching(/^\d+(Mi|Gi)$/) });
    expect(builder!.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.stringMatching(/^\d+(Mi|Gi)$/) });
  } else {
    // While it runs: the builder container holds none of the stack's secrets, and has limits.
    const builder = await engineCli("ps", "-q", "--filter", `label=org.kiln.build-id=${id}`);
    expect(builder, "the builder container is running").toBeTruthy();
    const env = await engineCli("inspect", "--format", "{{json .Config.Env}}", builder);
    for (const name of ["KILN_DB_PASSWORD", "KILN_REGISTRY_PASSWORD", "NEXTAUTH_SECRET", "KILN_HUB_API_TOKEN", "KILN_TEST_HUB_TOKEN"]) {
      expect(env, name).not.toContain(await stackSecret(name));
    }
    const limits = JSON.parse(await engineCli("inspect", "--format", "{{json .HostConfig}}", builder)) as { Memory: number; NanoCpus: number; PidsLimit: number };
    expect(limits.Memory).toBeGreaterThan(0);
    expect(limits.NanoCpus).toBeGreaterThan(0);
    expect(limits.PidsLimit).toBeGreaterThan(0);
  }
  await build.expectPhase("Built");

  const log = await build.rawLog(id);
  const answers = Object.fromEntries([...log.matchAll(/^probe ([\w-]+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  // The cluster's listeners (Kubernetes mode): etcd wants a client certificate (plain HTTP is
  // dropped, TLS without one fails), the API server and kubelet refuse an anonymous caller.
  const cluster =
    stackMode() === "kubernetes"
      ? { "etcd-http": "RemoteDisconnected", "etcd-https": "SSLError", "k8s-api": "403", kubelet: "401" }
      : { "etcd-http": "URLError", "etcd-https": "URLError", "k8s-api": "URLError", kubelet: "URLError" };
  expect(answers).toEqual({
    "registry-catalog": "401",
    "registry-push": "401",
    "hub-api": "403",
    "proxy-api": "403",
    "kiln-api": "401",
    ...cluster,
    "k8s-done": "yes",
  });
});

interface BuildPod {
  spec: {
    automountServiceAccountToken?: boolean;
    containers: { env: unknown[]; resources: { limits?: Record<string, string>; requests?: Record<string, string> } }[];
  };
}

test("the registry lets the engine's credentials pull but not push, Kiln's push, and build pods' only add tags", { tag: "@kubernetes" }, async () => {
  const registry = "http://127.0.0.1:5000";
  const as = async (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${await stackSecret(secret)}`).toString("base64")}` });
  const engine = await as("engine", "KILN_REGISTRY_PULL_PASSWORD");
  const kiln = await as("kiln", "KILN_REGISTRY_PASSWORD");
  expect((await fetch(`${registry}/v2/_catalog`, { headers: engine })).status).toBe(200);
  expect((await fetch(`${registry}/v2/kiln-evil/blobs/uploads/`, { method: "POST", headers: engine })).status).toBe(403);
  expect((await fetch(`${registry}/v2/kiln-evil/manifests/sha256:${"0".repeat(64)}`, { method: "DELETE", headers: engine })).status).toBe(403);
  const upload = await fetch(`${registry}/v2/kiln-gate-test/blobs/uploads/`, { method: "POST", headers: kiln });
  expect(upload.status).toBe(202);
  await fetch(new URL(upload.headers.get("location")!, registry), { method: "DELETE", headers: kiln });
  expect((await fetch(`${registry}/v2/_catalog`)).status).toBe(401);

  // Build pods' credentials (Kubernetes mode): new tags under Kiln's prefix, nothing else.
  const builder = await as("builder", "KILN_REGISTRY_BUILDER_PASSWORD");
  const started = await fetch(`${registry}/v2/kiln-gate-test/blobs/uploads/`, { method: "POST", headers: builder });
  expect(started.status).toBe(202);
  await fetch(new URL(started.headers.get("location")!, registry), { method: "DELETE", headers: kiln });
  expect((await fetch(`${registry}/v2/other/blobs/uploads/`, { method: "POST", headers: builder })).status).toBe(403);
  expect((await fetch(`${registry}/v2/kiln-x/..%2F..%2Fother/blobs/uploads/`, { method: "POST", headers: builder })).status).toBe(403);
  expect((await fetch(`${registry}/v2/kiln-evil/manifests/sha256:${"0".repeat(64)}`, { method: "DELETE", headers: builder })).status).toBe(403);
  // An existing tag (any image Kiln pushed) is never overwritten by one.
  const { repositories } = (await (await fetch(`${registry}/v2/_catalog?n=1000`, { headers: kiln })).json()) as { repositories: string[] };
  const existing = repositories.find((name) => name.startsWith("kiln-"));
  expect(existing, "the registry holds an image Kiln pushed").toBeTruthy();
  const { tags } = (await (await fetch(`${registry}/v2/${existing}/tags/list`, { headers: kiln })).json()) as { tags: string[] };
  const overwrite = await fetch(`${registry}/v2/${existing}/manifests/${tags[0]}`, {
    method: "PUT",
    headers: { ...builder, "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", layers: [] }),
  });
  expect(overwrite.status).toBe(403);
  expect(await overwrite.text()).toContain("never overwrite a tag");
});

test("PostgreSQL refuses the password that used to be committed", async () => {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: "postgresql://kiln:kiln@127.0.0.1:5432/kiln", connectionTimeoutMillis: 5000 });
  const error = await client.connect().then(
    () => null,
    (e: { code?: string }) => e,
  );
  await client.end().catch(() => undefined);
  // 28P01: invalid_password.
  expect(error?.code).toBe("28P01");
});

test("Kiln's service account may start and remove build pods only", { tag: "@kubernetes" }, async () => {
  test.skip(stackMode() !== "kubernetes", "Kiln has a service account in Kubernetes mode only");
  const builderImage = process.env.KILN_BUILDER_IMAGE ?? "localhost/kiln-repo2docker:2026.4.0";
  const dir = await mkdtemp(path.join(tmpdir(), "kiln-policy-"));
  /** Asks the API server, as Kiln, to create `pod`; resolves with its refusal (or "created"). */
  const createAsKiln = async (name: string, spec: Record<string, unknown>) => {
    const file = path.join(dir, `${name}.json`);
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { "app.kubernetes.io/component": "kiln-build" } }, spec };
    await writeFile(file, JSON.stringify(pod));
    return kubectlAs("kiln", "create", "-f", file).then(
      () => "created",
      (error: { stderr?: string }) => error.stderr ?? String(error),
    );
  };
  const builder = { name: "builder", image: builderImage, command: ["true"] };
  const base = { restartPolicy: "Never", automountServiceAccountToken: false };

  // The node's disk, another image, a Secret, a token: each refused by the API server.
  expect(await createAsKiln("kiln-test-disk", { ...base, containers: [builder], volumes: [{ name: "root", hostPath: { path: "/" } }] })).toContain(
    "a build pod mounts the engine's socket and nothing else",
  );
  expect(await createAsKiln("kiln-test-image", { ...base, containers: [{ ...builder, image: "localhost/kiln-singleuser:5.5.4" }] })).toContain(
    "a build pod runs the builder image, alone",
  );
  const secretEnv = [{ name: "X", valueFrom: { secretKeyRef: { name: "kiln-registry-pull", key: ".dockerconfigjson" } } }];
  expect(await createAsKiln("kiln-test-secret", { ...base, containers: [{ ...builder, env: secretEnv }] })).toContain("a build pod reads no Secret but the push Secret");
  // (A mounted token is also a volume, so either rule may be the one that answers.)
  expect(await createAsKiln("kiln-test-token", { restartPolicy: "Never", containers: [builder] })).toMatch(
    /a build pod carries no service account token|a build pod mounts the engine's socket and nothing else/,
  );
  expect(await createAsKiln("kiln-test-account", { ...base, serviceAccountName: "kiln", containers: [builder] })).toContain(
    "a build pod carries no service account token",
  );

  // A pod that is not a build (a user's server, say) is not Kiln's to delete.
  const other = `kiln-test-server-${Date.now()}`;
  await kubectl("run", other, `--image=${builderImage}`, "--image-pull-policy=Never", "--restart=Never", "--command", "--", "sleep", "60");
  const refusal = await kubectlAs("kiln", "delete", "pod", other, "--wait=false").then(
    () => "deleted",
    (error: { stderr?: string }) => error.stderr ?? String(error),
  );
  expect(refusal).toContain("Kiln may delete build pods only");
  await kubectl("delete", "pod", other, "--grace-period=0", "--wait=false");
  await rm(dir, { recursive: true, force: true });
});
