// Shared by client components: how dates and sizes read on the page.

export const formatDateTime = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";

export const formatSize = (bytes: number | null) =>
  bytes === null ? "—" : bytes > 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;

/** A version as a person reads it: a commit's first 7 characters, any other version (a record, a DOI's version) whole. */
export const shortVersion = (resolvedRef: string) => (/^[0-9a-f]{40}$/.test(resolvedRef) ? resolvedRef.slice(0, 7) : resolvedRef);

/** "binder-examples/requirements @ main · 2f6b96e": a repository and version, where a person reads an image. */
export function versionLabel(image: { displayName: string; requestedRef: string; resolvedRef: string }): string {
  const ref = image.requestedRef || "HEAD";
  const version = shortVersion(image.resolvedRef);
  return ref === image.resolvedRef || ref === version ? `${image.displayName} @ ${version}` : `${image.displayName} @ ${ref} · ${version}`;
}

/** "42 s", "3 min 5 s": time taken so far, as progress shows it. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}
