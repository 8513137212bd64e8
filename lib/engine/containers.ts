import "server-only";
import type { Readable } from "node:stream";
import { engine } from "./client";
import { builderPodsWithLabel, deleteBuilderPod, deleteBuilderPodAndWait, followBuilderPod, kubernetesMode, runBuilderPod, waitForBuilderPod } from "./kubernetes";

export { BuilderStartError } from "./kubernetes";

// Builders Kiln runs itself, found again by their labels after a restart: containers on the
// engine, or pods in Kubernetes mode. Nothing above this layer knows which.

export interface ContainerSpec {
  name: string;
  image: string;
  cmd: string[];
  env: string[];
  labels: Record<string, string>;
  /** The engine's socket, mounted into the builder so repo2docker builds on the engine. */
  engineSocket?: { host: string; inBuilder: string };
  /** The builder pushes the image itself (see builderPushesImage) with credentials this layer adds. */
  pushesImage?: boolean;
  /** `name:address` lines for the container's /etc/hosts (pins a name to the address Kiln checked). */
  extraHosts?: string[];
  /** Resource limits; a build step that runs away hits these, not the host. */
  limits?: { memoryBytes: number; cpus: number; pids: number };
}

export interface ContainerState {
  id: string;
  running: boolean;
  exitCode: number | null;
  labels: Record<string, string>;
}


/**
 * Whether builders push their image to the registry themselves: pods do (Kiln has no engine of
 * its own in a cluster); in docker mode Kiln pushes through the engine once the build is done.
 */
export function builderPushesImage(): boolean {
  return kubernetesMode();
}

/** Creates and starts a container on the host network with a terminal, so output keeps its colours and order. */
export async function runContainer(spec: ContainerSpec): Promise<string> {
  if (kubernetesMode()) return runBuilderPod(spec);
  const container = await engine().createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    Env: spec.env,
    Labels: spec.labels,
    Tty: true,
    HostConfig: {
      NetworkMode: "host",
      Binds: spec.engineSocket ? [`${spec.engineSocket.host}:${spec.engineSocket.inBuilder}`] : [],
      AutoRemove: false,
      ...(spec.extraHosts?.length ? { ExtraHosts: spec.extraHosts } : {}),
      ...(spec.limits
        ? { Memory: spec.limits.memoryBytes, MemorySwap: spec.limits.memoryBytes, NanoCpus: Math.round(spec.limits.cpus * 1e9), PidsLimit: spec.limits.pids }
        : {}),
    },
  });
  await container.start();
  return container.id;
}

export async function containersWithLabel(label: string, value?: string): Promise<ContainerState[]> {
  if (kubernetesMode()) return builderPodsWithLabel(label, value);
  const list = await engine().listContainers({ all: true, filters: { label: [value === undefined ? label : `${label}=${value}`] } });
  return list.map((c) => ({ id: c.Id, running: c.State === "running", exitCode: null, labels: c.Labels ?? {} }));
}

/** The container's whole output from its start, following it until the container exits. */
export async function followOutput(id: string): Promise<Readable> {
  if (kubernetesMode()) return followBuilderPod(id);
  return (await engine().getContainer(id).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
}

/** Resolves with the exit code once the container has stopped. */
export async function waitForExit(id: string): Promise<number> {
  if (kubernetesMode()) return waitForBuilderPod(id);
  const result = (await engine().getContainer(id).wait()) as { StatusCode: number };
  return result.StatusCode;
}

export async function stopContainer(id: string, graceSeconds = 5): Promise<void> {
  if (kubernetesMode()) return deleteBuilderPod(id, graceSeconds);
  try {
    await engine().getContainer(id).stop({ t: graceSeconds });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 304 && status !== 404) throw error; // 304: already stopped
  }
}

/** Removes a container and returns once its name is free (a deleted pod lingers while it ends). */
export async function removeContainerAndWait(id: string): Promise<void> {
  if (kubernetesMode()) return deleteBuilderPodAndWait(id);
  return removeContainer(id);
}

export async function removeContainer(id: string): Promise<void> {
  if (kubernetesMode()) return deleteBuilderPod(id, 0);
  try {
    await engine().getContainer(id).remove({ force: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}
