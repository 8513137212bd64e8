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

/**
 * A path to open inside a user's server, split into its segments (still URL-encoded) and its
 * query/fragment, or null when it could leave the server: a `.` or `..` segment (browsers
 * resolve `%2e%2e` too), a backslash (browsers read it as `/`), or control characters.
 */
export function serverPathParts(path: string): { segments: string[]; rest: string } | null {
  const cut = path.search(/[?#]/);
  const pathPart = cut === -1 ? path : path.slice(0, cut);
  const rest = cut === -1 ? "" : path.slice(cut);
  if (/[\\\p{Cc}]/u.test(path)) return null;
  const segments = pathPart.split("/").filter(Boolean);
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (decoded === "." || decoded === ".." || /[/\\]/.test(decoded)) return null;
  }
  return { segments, rest };
}

export const UNSAFE_PATH_MESSAGE = "The path to open must stay inside your server: no “..”, “.” or backslashes.";
