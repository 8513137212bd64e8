import { RE2JS } from "re2js";
import type { ProviderHosts, RepoTarget } from "@/lib/repos/types";
import type { BanKind } from "./kinds";

// Matching ban rules, with no I/O: the server applies them, the tests and the "test a rule"
// form use the same code.

export class BanPatternError extends Error {
  override name = "BanPatternError";
}

/** What a rule is matched against. */
export interface BanSubject {
  /** Binder specs of the repository (requested and resolved ref; encoded and decoded). */
  specs: string[];
  /** host[:port] the repository is fetched from. */
  host: string | null;
  user: string | null;
}

export interface RuleLike {
  kind: BanKind;
  pattern: string;
}

/**
 * A spec pattern is matched from the start of the spec, case-insensitively, as BinderHub
 * matches its banned_specs (`re.match(pattern, spec, re.I)`); the spec carries the provider
 * prefix (gh/org/repo/ref). RE2 (re2js) rather than JavaScript's own engine: every request is
 * checked against every rule, and RE2 matches in linear time whatever the pattern, so no rule
 * can hang Kiln (backreferences and lookaround, which need backtracking, are refused).
 */
export function compileSpecPattern(pattern: string): RE2JS {
  try {
    return RE2JS.compile(`^(?:${pattern})`, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new BanPatternError(`That is not a regular expression Kiln can use: ${(error as Error).message.replace(/^error parsing regexp: /, "")}. Backreferences and lookaround are not supported.`);
  }
}

const compiled = new Map<string, RE2JS>();

function compiledSpecPattern(pattern: string): RE2JS {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = compileSpecPattern(pattern);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

/** host or host:port, lowercase; a leading "*." or "." is the same as the host itself. */
export function normaliseHostPattern(pattern: string): string {
  const host = pattern.trim().toLowerCase().replace(/^\*?\./, "");
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(host) && !/^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host)) {
    throw new BanPatternError("Write a host name, optionally with :port (git.example.org or git.example.org:8443).");
  }
  return host;
}

export function normaliseUserPattern(pattern: string): string {
  const user = pattern.trim();
  if (!user || /[\p{Cc}/]/u.test(user)) throw new BanPatternError("Write the Hub user name exactly.");
  return user;
}

/** Checks (and normalises) a pattern for its kind, or throws BanPatternError saying what to fix. */
export function normalisePattern(rule: RuleLike): string {
  switch (rule.kind) {
    case "spec":
      compileSpecPattern(rule.pattern);
      return rule.pattern.trim();
    case "host":
      return normaliseHostPattern(rule.pattern);
    case "user_build":
    case "user_share":
      return normaliseUserPattern(rule.pattern);
  }
}

function hostMatches(pattern: string, host: string): boolean {
  const [patternHost, patternPort] = splitHostPort(pattern);
  const [hostName, hostPort] = splitHostPort(host.toLowerCase());
  if (patternPort && patternPort !== hostPort) return false;
  return hostName === patternHost || hostName.endsWith(`.${patternHost}`);
}

function splitHostPort(value: string): [string, string | null] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  return match ? [match[1]!, match[2] ?? null] : [value, null];
}

/** Whether `rule` refuses `action` on `subject`. */
export function ruleMatches(rule: RuleLike, subject: BanSubject, action: "build" | "share" | "run"): boolean {
  switch (rule.kind) {
    case "spec": {
      const regex = compiledSpecPattern(rule.pattern);
      return subject.specs.some((spec) => regex.matcher(spec).lookingAt());
    }
    case "host":
      return subject.host !== null && hostMatches(rule.pattern, subject.host);
    case "user_build":
      return action === "build" && subject.user === rule.pattern;
    case "user_share":
      return action === "share" && subject.user === rule.pattern;
  }
}

/** Every form of a spec a pattern should see: as stored, and with %-escapes decoded. */
export function specForms(...specs: string[]): string[] {
  const forms = new Set<string>();
  for (const spec of specs) {
    forms.add(spec);
    try {
      forms.add(decodeURIComponent(spec));
    } catch {
      // not %-encoded: the stored form is all there is
    }
  }
  return [...forms];
}

/** host[:port] of a repository URL, or null when it has none (a DOI record has its resolver's). */
export function repositoryHost(repoUrl: string): string | null {
  try {
    return new URL(repoUrl).host.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** The host a recognised repository will be fetched from, known before any network call. */
export function targetHost(target: RepoTarget, hosts: ProviderHosts): string | null {
  switch (target.provider) {
    case "git":
      return repositoryHost(target.url);
    case "dataverse":
      return target.host ? repositoryHost(target.host.includes("://") ? target.host : `https://${target.host}`) : null;
    default:
      return repositoryHost(hosts[target.provider]);
  }
}

/**
 * Where a repository's code lives, however it was spelt: host (no www., no port) and path, lower
 * case, without .git or slashes around it; a gist is its id alone. A spec form of its own
 * ("repo:github.com/org/repo"), so one rule bans github.com/org/repo as gh/…, as a git URL of
 * any scheme, and at every ref.
 */
export function repositoryKey(url: string, gistHost: string | null = null): string | null {
  let parsed: URL;
  try {
    parsed = new URL(/^[\w.-]+@[^:/]+:/.test(url) ? `ssh://${url.replace(":", "/")}` : url);
  } catch {
    return null;
  }
  const host = parsed.hostname.toLowerCase().replace(/^www\./, "");
  const path = decodeURIComponentSafe(parsed.pathname).toLowerCase().replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  if (!host || !path) return null;
  if (gistHost && host === hostOf(gistHost)) return `repo:${host}/${path.split("/").at(-1)}`;
  return `repo:${host}/${path}`;
}

/** A host, or a URL's host, as repositoryKey writes hosts. */
function hostOf(hostOrUrl: string): string {
  try {
    return new URL(hostOrUrl.includes("://") ? hostOrUrl : `https://${hostOrUrl}`).hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return hostOrUrl.toLowerCase();
  }
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The spec form of each URL that has one (see repositoryKey). */
export function repositoryForms(urls: string[], gistHost: string | null): string[] {
  return urls.map((url) => repositoryKey(url, gistHost)).filter((key): key is string => key !== null);
}
