import { createHash } from "node:crypto";
import { escapism } from "@/lib/repos/escapism";

// Image names exactly as BinderHub makes them (builder.py), so a registry shared with a BinderHub
// finds the images it already built: <prefix><escaped slug, cut>-<6 hex of the slug's sha256>:<ref>,
// then "_" → "-" and lowercase over the whole name.

const NAME_LIMIT = 255;
const HASH_LENGTH = 6;

/** BinderHub's _safe_build_slug: the hash is of the original slug, so case still tells repositories apart. */
export function safeBuildSlug(slug: string, limit: number): string {
  const hash = createHash("sha256").update(slug, "utf8").digest("hex").slice(0, HASH_LENGTH);
  return `${escapism(slug).slice(0, Math.max(0, limit - HASH_LENGTH - 1))}-${hash}`.toLowerCase();
}

/** The tag: the resolved ref as BinderHub uses it ("_" → "-", lowercase), refused if no registry could hold it. */
export function imageTag(resolvedRef: string): string {
  const tag = resolvedRef.replace(/_/g, "-").toLowerCase();
  if (!/^[a-z0-9][a-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`cannot make an image tag from ref "${resolvedRef}"`);
  return tag;
}

export function imageName(prefix: string, buildSlug: string, resolvedRef: string): string {
  const repository = `${prefix}${safeBuildSlug(buildSlug, NAME_LIMIT - prefix.length)}`.replace(/_/g, "-").toLowerCase();
  return `${repository}:${imageTag(resolvedRef)}`;
}

/** Splits "registry:5000/repo/name:tag" into repository and tag (the last colon after the last slash). */
export function splitImageName(name: string): { repository: string; tag: string } {
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return colon > slash ? { repository: name.slice(0, colon), tag: name.slice(colon + 1) } : { repository: name, tag: "latest" };
}

/** The registry host of an image name, if it names one (a dot, a colon or "localhost" before the first slash). */
export function registryOf(name: string): string | undefined {
  const first = name.split("/")[0] ?? "";
  return name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : undefined;
}
