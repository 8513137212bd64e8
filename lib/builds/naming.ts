import { createHash } from "node:crypto";

// Image names as BinderHub makes them: <prefix><escaped build slug>-<6 hex of its sha256>:<resolved ref>,
// valid for any registry. escapism (which BinderHub uses) has no JavaScript port; its rule is
// one line: every byte outside [A-Za-z0-9] becomes "-" and two hex digits.

const NAME_LIMIT = 255;
const HASH_LENGTH = 6;

export function escapeSlug(slug: string): string {
  let out = "";
  for (const char of slug) {
    if (/^[A-Za-z0-9]$/.test(char)) out += char;
    else for (const byte of Buffer.from(char, "utf8")) out += `-${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function safeBuildSlug(slug: string, limit: number): string {
  const hash = createHash("sha256").update(slug, "utf8").digest("hex").slice(0, HASH_LENGTH);
  return `${escapeSlug(slug).slice(0, limit - HASH_LENGTH - 1)}-${hash}`.toLowerCase();
}

/** A docker tag from a resolved ref: [A-Za-z0-9_.-], at most 128, not starting with . or -. */
export function imageTag(resolvedRef: string): string {
  const tag = resolvedRef.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[.-]+/, "").slice(0, 128);
  if (!tag) throw new Error(`cannot make an image tag from ref "${resolvedRef}"`);
  return tag;
}

export function imageName(prefix: string, buildSlug: string, resolvedRef: string): string {
  return `${prefix}${safeBuildSlug(buildSlug, NAME_LIMIT - prefix.length)}:${imageTag(resolvedRef)}`;
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
