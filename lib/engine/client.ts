import "server-only";
import Docker from "dockerode";
import { serverEnv } from "@/lib/env";
import { withTimeout } from "@/lib/timeout";
import { clusterVersion, kubernetesMode } from "./kubernetes";

// The only importer of dockerode: works against Docker Engine or Podman's Docker-compatible API.

/** dockerode connection options for a DOCKER_HOST value (unix socket or tcp address). */
export function dockerOptions(dockerHost: string): Docker.DockerOptions {
  const url = new URL(dockerHost);
  if (url.protocol === "unix:") return { socketPath: url.pathname };
  const protocol = url.protocol === "https:" ? "https" : "http";
  return { protocol, host: url.hostname, port: Number(url.port || (protocol === "https" ? 2376 : 2375)) };
}

let client: Docker | undefined;

export function engine(): Docker {
  client ??= new Docker(dockerOptions(serverEnv().DOCKER_HOST));
  return client;
}

/**
 * Resolves when the engine (or in Kubernetes mode the cluster) answers `_ping` in time. Podman's
 * `/version` gathers storage info under its image-store lock, so it stalls for seconds while
 * builds commit layers; `_ping` does not.
 */
export async function enginePing(timeoutMs: number): Promise<void> {
  if (kubernetesMode()) {
    await withTimeout(clusterVersion(), timeoutMs, "the Kubernetes cluster");
    return;
  }
  await withTimeout(engine().ping(), timeoutMs, "the container engine");
}

/** Resolves with the engine's (or in Kubernetes mode the cluster's) version string; rejects when the engine does not answer in time. */
export async function engineVersion(timeoutMs: number): Promise<string> {
  if (kubernetesMode()) return withTimeout(clusterVersion(), timeoutMs, "the Kubernetes cluster");
  const version = await withTimeout(engine().version(), timeoutMs, "the container engine");
  return version.Version;
}
