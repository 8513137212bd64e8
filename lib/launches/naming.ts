// Named servers the Hub accepts (lowercase letters, digits, single hyphens, starting with a
// letter, at most 30 characters) and people can read: made from the repository's name.

const MAX = 30;

export function serverNameBase(displayName: string): string {
  const last = displayName.replace(/\/+$/, "").split(/[/:]/).filter(Boolean).at(-1) ?? "";
  let name = last.toLowerCase().replace(/\.git$/, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(name)) name = `r-${name}`.replace(/-+$/, "");
  if (name === "r") name = "repo";
  return name.slice(0, MAX).replace(/-+$/, "");
}

/** The first of base, base-2, base-3… that `taken` does not hold, kept within 30 characters. */
export function uniqueServerName(displayName: string, taken: Set<string>): string {
  const base = serverNameBase(displayName);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, MAX - suffix.length).replace(/-+$/, "")}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The folder of the home the repository's files are copied into: its readable name. */
export function repoFolder(displayName: string): string {
  return serverNameBase(displayName);
}
