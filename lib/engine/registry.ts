import "server-only";
import { registryOf, splitImageName } from "@/lib/builds/naming";
import pLimit from "p-limit";
import { serverEnv } from "@/lib/env";

// The image registry, spoken to over its HTTP API v2 with Kiln's credentials (the registry
// refuses anonymous callers, such as a build step on the same host).

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** Kiln's registry credentials, as the engine's push API wants them (X-Registry-Auth). */
export function registryAuth(registry: string): { username: string; password: string; serveraddress: string } | undefined {
  const env = serverEnv();
  if (!env.KILN_REGISTRY_USERNAME || !env.KILN_REGISTRY_PASSWORD) return undefined;
  return { username: env.KILN_REGISTRY_USERNAME, password: env.KILN_REGISTRY_PASSWORD, serveraddress: registry };
}

/** The manifest URL of an image in its registry; loopback registries speak plain HTTP, as engines allow. */
function manifestUrl(name: string, reference?: string): { url: string; registry: string } | undefined {
  const registry = registryOf(name);
  if (!registry) return undefined;
  const { repository, tag } = splitImageName(name);
  const scheme = /^(127\.|localhost|\[::1\])/.test(registry) ? "http" : "https";
  const path = repository.slice(registry.length + 1);
  return { url: `${scheme}://${registry}/v2/${path}/manifests/${encodeURIComponent(reference ?? tag)}`, registry };
}

function authHeader(registry: string): Record<string, string> {
  const auth = registryAuth(registry);
  return auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` } : {};
}

async function manifestRequest(name: string, method: "GET" | "HEAD" | "DELETE", reference?: string): Promise<Response | undefined> {
  const target = manifestUrl(name, reference);
  if (!target) return undefined;
  const response = await fetch(target.url, {
    method,
    headers: { accept: MANIFEST_TYPES, ...authHeader(target.registry) },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 401 || response.status === 403) {
    throw new Error(`the registry ${target.registry} refused Kiln's credentials (${response.status}); a Hub admin needs to check Kiln's registry account`);
  }
  return response;
}

/** Whether the registry named in `name` holds that tag. */
export async function registryHasImage(name: string): Promise<boolean> {
  return (await manifestRequest(name, "HEAD"))?.ok ?? false;
}

/** Deletes the tag's manifest from its registry; false when it was not there. */
export async function deleteRegistryImage(name: string): Promise<boolean> {
  const head = await manifestRequest(name, "HEAD");
  const digest = head?.ok ? head.headers.get("docker-content-digest") : null;
  if (!digest) return false;
  const response = await manifestRequest(name, "DELETE", digest);
  if (response && !response.ok && response.status !== 404) throw new Error(`the registry answered ${response.status} to deleting ${name}`);
  return Boolean(response?.ok);
}

interface Manifest {
  mediaType?: string;
  config?: { digest: string; size: number };
  layers?: { size: number }[];
  manifests?: { digest: string }[];
}

/** An image's id, size and labels as its registry describes them; null when the tag is not there. */
export async function registryImageInfo(name: string): Promise<{ id: string; sizeBytes: number; labels: Record<string, string> } | null> {
  let response = await manifestRequest(name, "GET");
  if (!response) return null;
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`the registry answered ${response.status} for ${name}`);
  let manifest = (await response.json()) as Manifest;
  // A multi-platform index: one platform's manifest describes the image well enough.
  const first = manifest.manifests?.[0];
  if (first) {
    response = await manifestRequest(name, "GET", first.digest);
    if (!response?.ok) return null;
    manifest = (await response.json()) as Manifest;
  }
  if (!manifest.config) return null;
  const target = manifestUrl(name)!;
  const blob = await fetch(target.url.replace(/\/manifests\/[^/]+$/, `/blobs/${manifest.config.digest}`), {
    headers: authHeader(target.registry),
    signal: AbortSignal.timeout(10_000),
  });
  const config = blob.ok ? ((await blob.json()) as { config?: { Labels?: Record<string, string> | null } }) : {};
  return {
    id: manifest.config.digest,
    sizeBytes: manifest.config.size + (manifest.layers ?? []).reduce((sum, layer) => sum + layer.size, 0),
    labels: config.config?.Labels ?? {},
  };
}

/** Every tag in the registry whose name starts with `prefix` (Kiln's), with its size. */
export async function registryImages(prefix: string): Promise<{ name: string; sizeBytes: number }[]> {
  const registry = registryOf(`${prefix}x`);
  if (!registry) return [];
  const base = manifestUrl(`${registry}/x:x`)!.url.replace(/\/x\/manifests\/x$/, "");
  const pathPrefix = prefix.slice(registry.length + 1);
  const get = async <T>(url: string): Promise<T> => {
    const response = await fetch(url, { headers: authHeader(registry), signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`the registry answered ${response.status} to ${url}`);
    return (await response.json()) as T;
  };
  // The catalog comes a page at a time (registries cap a page, at 1000 here).
  const repositories: string[] = [];
  for (let last = ""; ; ) {
    const page = (await get<{ repositories: string[] | null }>(`${base}/_catalog?n=1000${last ? `&last=${encodeURIComponent(last)}` : ""}`)).repositories ?? [];
    repositories.push(...page);
    if (page.length < 1000) break;
    last = page[page.length - 1]!;
  }
  const limit = pLimit(8);
  const names = (
    await Promise.all(
      repositories
        .filter((repository) => repository.startsWith(pathPrefix))
        .map((repository) => limit(async () => ((await get<{ tags: string[] | null }>(`${base}/${repository}/tags/list`)).tags ?? []).map((tag) => `${registry}/${repository}:${tag}`))),
    )
  ).flat();
  const images = await Promise.all(names.map((name) => limit(async () => ({ name, sizeBytes: (await registryImageInfo(name))?.sizeBytes ?? 0 }))));
  return images;
}
