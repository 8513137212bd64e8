import "server-only";
import Docker from "dockerode";
import { serverEnv } from "@/lib/env";
import { metrics } from "@/lib/metrics/registry";
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
  client ??= countingFaults(new Docker(dockerOptions(serverEnv().DOCKER_HOST)));
  return client;
}

type Dial = (options: unknown, callback: (error: unknown, data: unknown) => void) => void;

/**
 * Counts the engine's faults in kiln_engine_errors_total: every API call goes through the modem's
 * dial, so this sees them all. A 4xx (no such image, a conflict) is an answer, not a fault.
 */
function countingFaults(docker: Docker): Docker {
  const modem = docker.modem as unknown as { dial: Dial };
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) =>
    dial(options, (error, data) => {
      const status = (error as { statusCode?: number } | null)?.statusCode;
      if (error && (status === undefined || status >= 500)) metrics().engineErrors.inc({ kind: status === undefined ? "unreachable" : "server_error" });
      callback(error, data);
    });
  return docker;
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
