import "server-only";
import { PassThrough, type Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiException, CoreV1Api, KubeConfig, Log, VersionApi, type V1EnvVar, type V1Pod } from "@kubernetes/client-node";
import { serverEnv } from "@/lib/env";
import type { ContainerSpec, ContainerState } from "./containers";

// Kubernetes mode: builders are pods in Kiln's namespace, found again by their labels after a
// restart, as BinderHub's build pods are. The only importer of @kubernetes/client-node.

const CONTAINER = "builder";
/** How long a builder pod may wait to be scheduled and to pull its image before the build fails. */
const START_DEADLINE_MS = 10 * 60_000;
/** Waiting reasons that never resolve by themselves: the build fails with what Kubernetes said. */
const STUCK_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);

/** A builder pod that cannot start; its message says what Kubernetes reported. */
export class BuilderStartError extends Error {
  override name = "BuilderStartError";
}

interface Cluster {
  config: KubeConfig;
  core: CoreV1Api;
  namespace: string;
}

let cluster: Cluster | undefined;

function kube(): Cluster {
  if (cluster) return cluster;
  const env = serverEnv();
  const config = new KubeConfig();
  if (env.KILN_K8S_KUBECONFIG) config.loadFromFile(env.KILN_K8S_KUBECONFIG);
  else config.loadFromCluster();
  cluster = { config, core: config.makeApiClient(CoreV1Api), namespace: env.KILN_K8S_NAMESPACE ?? "default" };
  return cluster;
}

function status(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The cluster's version, as the engine's version is shown in docker mode. */
export async function clusterVersion(): Promise<string> {
  const version = await kube().config.makeApiClient(VersionApi).getCode();
  return `Kubernetes ${version.gitVersion}`;
}

/** `NAME=value` strings as a pod's env. */
function envVars(pairs: string[]): V1EnvVar[] {
  return pairs.map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) }));
}

/** `name:address` lines grouped as the pod's hostAliases (its /etc/hosts). */
function hostAliases(lines: string[] = []): { ip: string; hostnames: string[] }[] {
  const byAddress = new Map<string, string[]>();
  for (const line of lines) {
    const at = line.indexOf(":");
    const name = line.slice(0, at);
    const address = line.slice(at + 1).replace(/^\[|\]$/g, "");
    byAddress.set(address, [...(byAddress.get(address) ?? []), name]);
  }
  return [...byAddress].map(([ip, hostnames]) => ({ ip, hostnames }));
}

export function builderPod(spec: ContainerSpec): V1Pod {
  const env = serverEnv();
  const limits = spec.limits;
  const socket = spec.engineSocket;
  return {
    metadata: { name: spec.name, labels: { ...spec.labels, "app.kubernetes.io/component": "kiln-build" } },
    spec: {
      restartPolicy: "Never",
      hostNetwork: env.KILN_K8S_HOST_NETWORK,
      ...(env.KILN_K8S_HOST_NETWORK ? { dnsPolicy: "Default" } : {}),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 5,
      // Kiln stops a build at its time limit; this holds even while no Kiln is running.
      activeDeadlineSeconds: env.KILN_BUILD_TIMEOUT_SECONDS + 60,
      nodeSelector: env.KILN_K8S_NODE_SELECTOR,
      ...(env.KILN_K8S_PULL_SECRET ? { imagePullSecrets: [{ name: env.KILN_K8S_PULL_SECRET }] } : {}),
      hostAliases: hostAliases(spec.extraHosts),
      volumes: socket ? [{ name: "engine-socket", hostPath: { path: socket.host, type: "Socket" } }] : [],
      containers: [
        {
          name: CONTAINER,
          image: spec.image,
          imagePullPolicy: env.KILN_K8S_IMAGE_PULL_POLICY,
          command: spec.cmd,
          // A terminal, as in docker mode: output keeps its colours and its order.
          tty: true,
          env: [
            ...envVars(spec.env),
            ...(spec.pushesImage && env.KILN_K8S_PUSH_SECRET
              ? [{ name: "CONTAINER_ENGINE_REGISTRY_CREDENTIALS", valueFrom: { secretKeyRef: { name: env.KILN_K8S_PUSH_SECRET, key: "credentials" } } }]
              : []),
          ],
          volumeMounts: socket ? [{ name: "engine-socket", mountPath: socket.inBuilder }] : [],
          resources: {
            requests: { cpu: String(env.KILN_K8S_BUILDER_CPU_REQUEST), memory: `${env.KILN_K8S_BUILDER_MEMORY_REQUEST_MB}Mi` },
            ...(limits ? { limits: { cpu: String(limits.cpus), memory: `${Math.round(limits.memoryBytes / 1024 / 1024)}Mi` } } : {}),
          },
        },
      ],
    },
  };
}

export async function runBuilderPod(spec: ContainerSpec): Promise<string> {
  const { core, namespace } = kube();
  await core.createNamespacedPod({ namespace, body: builderPod(spec) });
  return spec.name;
}

async function readPod(name: string): Promise<V1Pod | null> {
  const { core, namespace } = kube();
  try {
    return await core.readNamespacedPod({ name, namespace });
  } catch (error) {
    if (status(error) === 404) return null;
    throw error;
  }
}

function builderStatus(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTAINER);
}

/** Waits until the builder container has started (or already ended); fails when it never can. */
async function untilStarted(name: string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    const pod = await readPod(name);
    if (!pod) throw new BuilderStartError("its build pod was deleted before it started");
    const state = builderStatus(pod)?.state;
    if (state?.running || state?.terminated) return;
    const reason = state?.waiting?.reason;
    if (reason && STUCK_REASONS.has(reason)) {
      throw new BuilderStartError(`the cluster could not start the builder (${reason}: ${state?.waiting?.message ?? "no details"}); a Hub admin needs to check the builder image`);
    }
    if (Date.now() > deadline) {
      const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
      throw new BuilderStartError(
        unscheduled ? `no node could run the build (${unscheduled.message ?? unscheduled.reason})` : "the build pod did not start in time",
      );
    }
    await sleep(wait);
  }
}

/** The builder's whole output from its start, following it until it exits. */
export async function followBuilderPod(name: string): Promise<Readable> {
  await untilStarted(name);
  const { config, namespace } = kube();
  const output = new PassThrough();
  const request = await new Log(config).log(namespace, name, CONTAINER, output, { follow: true });
  // Whoever stops reading (the runner destroys the stream) also ends the request.
  output.once("close", () => request.abort());
  return output;
}

/** The builder's exit code once it has ended; a pod deleted meanwhile counts as killed. */
export async function waitForBuilderPod(name: string): Promise<number> {
  for (;;) {
    const pod = await readPod(name);
    if (!pod) return 137;
    const terminated = builderStatus(pod)?.state?.terminated;
    if (terminated) return terminated.exitCode;
    if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") return pod.status.phase === "Succeeded" ? 0 : 1;
    await sleep(250);
  }
}

export async function deleteBuilderPod(name: string, graceSeconds: number): Promise<void> {
  const { core, namespace } = kube();
  try {
    await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: graceSeconds });
  } catch (error) {
    if (status(error) !== 404) throw error;
  }
}

export async function builderPodsWithLabel(label: string, value?: string): Promise<ContainerState[]> {
  const { core, namespace } = kube();
  const pods = await core.listNamespacedPod({ namespace, labelSelector: value === undefined ? label : `${label}=${value}` });
  return pods.items.map((pod) => ({
    id: pod.metadata?.name ?? "",
    running: pod.status?.phase === "Pending" || pod.status?.phase === "Running",
    exitCode: null,
    labels: pod.metadata?.labels ?? {},
  }));
}

/** Pods in Kiln's namespace (users' servers, builders) that run `image`. */
export async function podsRunningImage(image: string): Promise<{ id: string; name: string; running: boolean }[]> {
  const { core, namespace } = kube();
  const pods = await core.listNamespacedPod({ namespace });
  return pods.items
    .filter((pod) => pod.spec?.containers.some((c) => c.image === image))
    .map((pod) => ({
      id: pod.metadata?.uid ?? "",
      name: pod.metadata?.name ?? "",
      running: pod.status?.phase === "Pending" || pod.status?.phase === "Running",
    }));
}
