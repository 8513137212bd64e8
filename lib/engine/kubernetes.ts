import "server-only";
import { PassThrough, Writable, type Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import http from "node:http";
import https from "node:https";
import { ApiException, CoreV1Api, KubeConfig, VersionApi, type V1EnvVar, type V1Pod } from "@kubernetes/client-node";
import { serverEnv } from "@/lib/env";
import type { ContainerSpec, ContainerState } from "./containers";

// Kubernetes mode: builders are pods in Kiln's namespace, found again by their labels after a
// restart, as BinderHub's build pods are. The only importer of @kubernetes/client-node.

const CONTAINER = "builder";
/** How long a builder pod may wait to be scheduled and to pull its image before the build fails. */
const START_DEADLINE_MS = 5 * 60_000;
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

/** Whether Kiln runs its builders as pods (KILN_MODE=kubernetes): the engine layer's one question. */
export function kubernetesMode(): boolean {
  return serverEnv().KILN_MODE === "kubernetes";
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

/**
 * One log request, piped into `sink` and ended with it. Written on Node's https rather than the
 * client's Log helper: that one leaves the response without an error listener, so aborting it
 * mid-stream (which following again does) would throw out of the process.
 */
async function openLog(config: KubeConfig, namespace: string, pod: string, follow: boolean, sink: Writable): Promise<AbortController> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig names no cluster");
  const url = new URL(`${cluster.server}/api/v1/namespaces/${namespace}/pods/${pod}/log`);
  url.searchParams.set("container", CONTAINER);
  url.searchParams.set("follow", String(follow));
  const options: https.RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const controller = new AbortController();
  await new Promise<void>((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).get(url, { ...options, signal: controller.signal }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`the cluster answered ${response.statusCode} to reading the build's log`));
        return;
      }
      // An aborted or broken response just ends the sink; whoever reads decides what next.
      response.on("error", () => sink.end());
      response.pipe(sink);
      resolve();
    });
    request.on("error", (error) => (controller.signal.aborted ? resolve() : reject(error)));
  });
  return controller;
}

/** How long the log may be silent before Kiln asks again (a dropped connection ends no stream). */
const LOG_QUIET_MS = 30_000;
const LOG_CHECK_MS = 3_000;

/**
 * The builder's whole output from its start, following it until it exits. The API server may
 * close a follow early, or drop it without an end (a restart of it or of the kubelet), so the
 * output is followed again from the byte it reached whenever it ends while the builder runs or
 * stays quiet for long; once the builder has ended, what is left is read and the output ends.
 * (The kubelet serves the current log file only: a log it rotated cannot be replayed.)
 */
export async function followBuilderPod(name: string): Promise<Readable> {
  await untilStarted(name);
  const { config, namespace } = kube();
  const output = new PassThrough();
  let delivered = 0;
  let lastData = Date.now();
  let generation = 0;
  let request: AbortController | undefined;
  let ending = false;

  const finish = () => {
    clearInterval(watch);
    request?.abort();
    if (!output.writableEnded) output.end();
  };
  /** Reads from the start, dropping the `delivered` bytes already passed on. */
  const follow = async (follow: boolean): Promise<void> => {
    const mine = ++generation;
    request?.abort();
    let skip = delivered;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (mine !== generation || output.destroyed) return done();
        const fresh = skip >= chunk.length ? null : chunk.subarray(skip);
        skip = Math.max(0, skip - chunk.length);
        if (!fresh) return done();
        delivered += fresh.length;
        lastData = Date.now();
        // Backpressure reaches the API server: the next chunk waits until the reader takes this one.
        if (output.write(fresh)) done();
        else output.once("drain", () => done());
      },
      final(done) {
        done();
        if (mine === generation) void settle(follow);
      },
    });
    request = await openLog(config, namespace, name, follow, sink);
  };
  /** The stream ended (or went quiet): done if the builder has ended, otherwise follow again. */
  const settle = async (wasFollowing: boolean): Promise<void> => {
    if (output.destroyed) return;
    if (!wasFollowing) return finish(); // the last read, after the builder ended
    if (ending) return;
    const pod = await readPod(name).catch(() => undefined);
    if (pod === undefined) return; // the API is away: the watch asks again
    const ended = !pod || Boolean(builderStatus(pod)?.state?.terminated);
    if (ended) {
      // One last read without following picks up whatever the follow missed.
      ending = true;
      await follow(false).catch(() => finish());
      return;
    }
    await follow(true).catch(() => undefined);
  };
  const watch = setInterval(() => {
    if (Date.now() - lastData < LOG_QUIET_MS) return;
    lastData = Date.now();
    void settle(true);
  }, LOG_CHECK_MS);
  output.once("close", () => {
    clearInterval(watch);
    request?.abort();
  });
  await follow(true);
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
    // A pod stuck terminating (its node lost) is removed outright.
    const deleting = pod.metadata?.deletionTimestamp;
    if (deleting && Date.now() - new Date(deleting).getTime() > 30_000) {
      await deleteBuilderPod(name, 0);
      return 137;
    }
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

/** Deletes a builder pod at once and waits until it is gone, so a new one can take its name. */
export async function deleteBuilderPodAndWait(name: string, timeoutMs = 60_000): Promise<void> {
  await deleteBuilderPod(name, 0);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    if (!(await readPod(name))) return;
  }
  throw new Error(`the builder pod ${name} was still there ${timeoutMs / 1000} s after it was deleted`);
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
