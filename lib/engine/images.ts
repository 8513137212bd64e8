import "server-only";
import { registryOf, splitImageName } from "@/lib/builds/naming";
import { registryAuth, registryHasImage, registryImageInfo, registryImages } from "./registry";
import { engine } from "./client";
import { kubernetesMode, podsRunningImage } from "./kubernetes";

// Images: in docker mode the engine's, pushed to the registry when one is configured; in
// Kubernetes mode Kiln has no engine, so the registry is where an image is or is not.

export interface ImageInfo {
  id: string;
  sizeBytes: number;
  labels: Record<string, string>;
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

/** The image's id, size and labels, or null when the engine does not have it. */
export async function imageInfo(name: string): Promise<ImageInfo | null> {
  if (kubernetesMode()) return registryImageInfo(name);
  try {
    const info = await engine().getImage(name).inspect();
    return { id: info.Id, sizeBytes: info.Size, labels: info.Config?.Labels ?? {} };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Pushes `name` to its registry, reporting progress lines; rejects with the registry's error. */
export async function pushImage(name: string, onLine: (line: string) => void): Promise<void> {
  if (kubernetesMode()) {
    // The build pod pushed it; the registry must now have it.
    if (!(await registryHasImage(name))) throw new Error("the build pod finished but the registry does not have the image");
    onLine(`The registry has ${name}.`);
    return;
  }
  const { repository, tag } = splitImageName(name);
  const registry = registryOf(name);
  const authconfig = registry ? registryAuth(registry) : undefined;
  const stream = await engine().getImage(repository).push({ tag, ...(authconfig ? { authconfig } : {}) });
  await new Promise<void>((resolve, reject) => {
    engine().modem.followProgress(
      stream,
      (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output.find((event) => event.error)?.error;
        if (failed) reject(new Error(failed));
        else resolve();
      },
      (event: { status?: string; progress?: string; id?: string; error?: string }) => {
        if (event.error) onLine(event.error);
        else if (event.status && !event.progress) onLine([event.id, event.status].filter(Boolean).join(": "));
      },
    );
  });
}

/**
 * Whether a failed push is worth trying again: the registry or the way to it failed for a moment
 * (a 5xx answer, a connection cut mid-upload). Refused credentials and missing images are not.
 * Layers already uploaded are skipped on the next try, so a retry costs only what was lost.
 */
export function isTransientPushError(message: string): boolean {
  if (/\b(401|403|404)\b|unauthorized|denied|authentication required|no such image|image not known/i.test(message)) return false;
  return /\b5\d\d\b|bad gateway|service unavailable|EPIPE|ECONNRESET|ECONNREFUSED|broken pipe|connection reset|unexpected EOF|i\/o timeout|timed? ?out/i.test(message);
}

/** Where Kiln's images are kept and measured. */
export function imageStore(): "engine" | "registry" {
  return kubernetesMode() ? "registry" : "engine";
}

/** Whether a builder can start from `name`: the engine has it, or the cluster will pull it. */
export async function builderImagePresent(name: string): Promise<boolean> {
  return kubernetesMode() || (await imageInfo(name)) !== null;
}

/** Containers (running or not) created from `name`; in Kubernetes mode, pods in Kiln's namespace. */
export async function containersFromImage(name: string): Promise<{ id: string; name: string; running: boolean }[]> {
  if (kubernetesMode()) return podsRunningImage(name);
  const list = await engine().listContainers({ all: true, filters: { ancestor: [name] } });
  return list.map((c) => ({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ""), running: c.State === "running" }));
}

/** Removes the image from the engine; false when it was not there. */
export async function removeImage(name: string): Promise<boolean> {
  // Nodes' caches are the kubelet's to collect; Kiln removes the registry's copy.
  if (kubernetesMode()) return false;
  try {
    await engine().getImage(name).remove();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Images in the engine (in Kubernetes mode, the registry) whose name starts with `prefix` (Kiln's), with their sizes. */
export async function imagesWithPrefix(prefix: string): Promise<{ name: string; sizeBytes: number }[]> {
  if (kubernetesMode()) return registryImages(prefix);
  const list = await engine().listImages();
  return list.flatMap((image) => {
    const name = (image.RepoTags ?? []).find((tag) => tag.startsWith(prefix) || tag.startsWith(`localhost/${prefix}`));
    return name ? [{ name, sizeBytes: image.Size }] : [];
  });
}
