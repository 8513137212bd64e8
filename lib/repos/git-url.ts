import ipaddr from "ipaddr.js";

// The one parser of the URLs Kiln fetches from. Git (and curl under it), repo2docker and the
// WHATWG URL parser disagree on odd input (`http://a\@b/`, `0177.0.0.1`, user info, `[h:p]`), so
// this accepts only a grammar on which they all agree and hands out a URL rebuilt from its parts:
// what the address check looks at is byte for byte what git and repo2docker receive.
// Pure, so the Launch form can say what is wrong while you type.

export class RepoInputError extends Error {
  constructor(message: string, readonly field: "repository" | "ref" = "repository") {
    super(message);
  }
  override name = "RepoInputError";
}

/** BinderHub's GitRepoProvider.allowed_protocols. */
export const gitSchemes = ["https", "http", "git", "ssh"] as const;
export type GitScheme = (typeof gitSchemes)[number];
export const defaultPorts: Record<GitScheme, number> = { https: 443, http: 80, git: 9418, ssh: 22 };

export interface FetchUrl {
  /** Rebuilt from the parts below; the only string handed to git or repo2docker. */
  url: string;
  scheme: GitScheme;
  /** Lower-case name, dotted-quad IPv4, or IPv6 without brackets. */
  host: string;
  port: number;
  /** The ssh user name (`git` in git@host:path); never a password. */
  user?: string;
}

export const CREDENTIALS_MESSAGE =
  "Kiln builds only public repositories; remove the user name and password (or token) from the URL.";

const URL_START = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** scp-like `user@host:path`, as BinderHub's GIT_SSH_PATTERN (the user is required). */
const SCP_LIKE = /^([^@/:]+)@([^@/:[\]]+):(?!\/\/)(.+)$/;
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const DECIMAL_PORT = /^[1-9]\d{0,4}$/;
/** Characters a repository path may hold; `%` only as a valid escape, checked apart. */
const GIT_PATH = /^\/[A-Za-z0-9._~+=,!%/-]*$/;
const WEB_REST = /^[/?#][\x21-\x7e]*$/;

export function looksLikeGitUrl(text: string): boolean {
  return URL_START.test(text) || SCP_LIKE.test(text);
}

/**
 * Parses a repository URL (`kind: "git"`: https, http, git, ssh or scp-like) or a web address
 * repo2docker downloads a record from (`kind: "web"`: https or http, any path and query).
 * Throws a RepoInputError saying what to change.
 */
export function parseFetchUrl(input: string, kind: "git" | "web" = "git"): FetchUrl {
  // Backslashes are a path separator to WHATWG and part of the user name to curl: refuse them outright.
  if (input.includes("\\")) throw new RepoInputError("A repository URL cannot contain a backslash (\\). Check the URL.");
  if (/[\x00-\x20\x7f-\uffff]/.test(input)) {
    throw new RepoInputError("A repository URL cannot contain spaces, control or non-ASCII characters. Percent-encode them, or check the URL.");
  }
  let scheme: string;
  let authority: string;
  let rest: string;
  const start = URL_START.exec(input);
  const scp = start ? null : SCP_LIKE.exec(input);
  if (start) {
    scheme = start[1]!.toLowerCase();
    const afterScheme = input.slice(start[0].length);
    const end = afterScheme.search(/[/?#]/);
    authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
    rest = end === -1 ? "" : afterScheme.slice(end);
  } else if (scp && kind === "git") {
    // BinderHub maps git@host:path to ssh://git@host/path; so does Kiln, so only one grammar reaches git.
    scheme = "ssh";
    authority = `${scp[1]}@${scp[2]}`;
    rest = `/${scp[3]!.replace(/^\/+/, "")}`;
  } else {
    throw new RepoInputError("This is not a repository URL. Paste one like https://example.org/lab/repo.git or git@example.org:lab/repo.git.");
  }
  const allowed: readonly string[] = kind === "git" ? gitSchemes : ["https", "http"];
  if (!allowed.includes(scheme)) {
    throw new RepoInputError(`${scheme}: URLs are not supported. Use an ${kind === "git" ? "https, http, git or ssh" : "https or http"} URL.`);
  }
  const typedScheme = scheme as GitScheme;

  let user: string | undefined;
  let hostPort = authority;
  const at = authority.lastIndexOf("@");
  if (at !== -1) {
    const userInfo = authority.slice(0, at);
    hostPort = authority.slice(at + 1);
    // An ssh user name is not a secret (git@github.com); anything else in front of @ may be one.
    if (typedScheme !== "ssh" || userInfo.includes(":") || userInfo.includes("@")) throw new RepoInputError(CREDENTIALS_MESSAGE);
    if (!SSH_USER.test(userInfo)) {
      throw new RepoInputError("An ssh user name has only letters, digits, _, . and -, and does not start with - (like git@example.org:lab/repo.git).");
    }
    user = userInfo;
  }
  const { host, port, bracketed } = parseHostPort(hostPort, typedScheme);

  if (kind === "git") {
    if (rest.includes("?") || rest.includes("#")) throw new RepoInputError("A git repository URL has no query (?) or fragment (#). Remove them.");
    if (!GIT_PATH.test(rest) || rest === "/") {
      throw new RepoInputError("A git repository URL needs a path of letters, digits and . _ ~ + = , ! - / after the host, like https://example.org/lab/repo.git.");
    }
    if (/(^|\/)\.\.?(\/|$)/.test(rest)) throw new RepoInputError("A repository path cannot contain . or .. segments.");
  } else if (rest && !WEB_REST.test(rest)) {
    throw new RepoInputError("This address has characters Kiln does not fetch from. Check the URL.");
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(rest)) throw new RepoInputError("The URL has a % that is not followed by two hex digits. Check the URL.");

  const hostText = bracketed ? `[${host}]` : host;
  const portText = port.explicit ? `:${port.value}` : "";
  return {
    url: `${typedScheme}://${user ? `${user}@` : ""}${hostText}${portText}${rest}`,
    scheme: typedScheme,
    host,
    port: port.value,
    ...(user ? { user } : {}),
  };
}

function parseHostPort(text: string, scheme: GitScheme): { host: string; port: { value: number; explicit: boolean }; bracketed: boolean } {
  const bad = (what: string) => new RepoInputError(`${what} Check the repository URL.`);
  let host: string;
  let portText: string | undefined;
  let bracketed = false;
  if (text.startsWith("[")) {
    const match = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(text);
    if (!match || !ipaddr.IPv6.isValid(match[1]!)) throw bad("The address in [brackets] is not an IPv6 address.");
    host = ipaddr.IPv6.parse(match[1]!).toString();
    portText = match[2];
    bracketed = true;
  } else {
    const colon = text.indexOf(":");
    host = (colon === -1 ? text : text.slice(0, colon)).toLowerCase();
    portText = colon === -1 ? undefined : text.slice(colon + 1);
    if (!host) throw bad("The URL has no host name.");
    if (!isFourPartDecimal(host) && !isHostName(host)) {
      throw bad(`“${host}” is not a host name Kiln accepts: use a name like git.example.org or an address like 192.0.2.7.`);
    }
  }
  if (portText === undefined) return { host, port: { value: defaultPorts[scheme], explicit: false }, bracketed };
  const port = Number(portText);
  if (!DECIMAL_PORT.test(portText) || port > 65535) throw bad(`“${portText}” is not a port number.`);
  return { host, port: { value: port, explicit: true }, bracketed };
}

/** Only the plain dotted quad: 0177.0.0.1, 127.1 and 2130706433 mean 127.0.0.1 to some parsers and not to others. */
function isFourPartDecimal(host: string): boolean {
  return /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(host);
}

function isHostName(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split(".");
  // A last label that starts with a digit makes parsers read the whole name as an IPv4 number.
  return labels.every((label) => LABEL.test(label)) && /^[a-z]/.test(labels.at(-1)!);
}

/** decodeURIComponent that blames the input, not Kiln, for a malformed escape. */
export function decodeComponent(text: string, what = "The repository"): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RepoInputError(`${what} has a malformed %-escape (a % must be followed by two hex digits of UTF-8). Check what you pasted.`);
  }
}
