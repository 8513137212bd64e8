import "server-only";
import { registryOf, splitImageName } from "@/lib/builds/naming";

/**
 * Whether the registry named in `name` holds that tag (Registry HTTP API v2, HEAD manifest).
 * Loopback registries are spoken to over plain HTTP, as engines do; others over HTTPS.
 */
export async function registryHasImage(name: string): Promise<boolean> {
  const registry = registryOf(name);
  if (!registry) return false;
  const { repository, tag } = splitImageName(name);
  const path = repository.slice(registry.length + 1);
  const scheme = /^(127\.|localhost|\[::1\])/.test(registry) ? "http" : "https";
  const response = await fetch(`${scheme}://${registry}/v2/${path}/manifests/${encodeURIComponent(tag)}`, {
    method: "HEAD",
    headers: {
      accept: [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
      ].join(", "),
    },
    signal: AbortSignal.timeout(10_000),
  });
  return response.ok;
}
