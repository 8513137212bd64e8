import safeRegex from "safe-regex2";
import type { ProviderHosts, RepoTarget } from "@/lib/repos/types";
import type { BanKind } from "./schema";

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
 * prefix (gh/org/repo/ref). Patterns that could take exponential time are refused: every
 * request is checked against every rule.
 */
export function compileSpecPattern(pattern: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})`, "iu");
  } catch (error) {
    throw new BanPatternError(`That is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`);
  }
  if (!safeRegex(regex)) throw new BanPatternError("That pattern could take very long to match (nested repetition, like (a+)+). Simplify it.");
  return regex;
}

const compiled = new Map<string, RegExp>();

function compiledSpecPattern(pattern: string): RegExp {
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
      return subject.specs.some((spec) => regex.test(spec));
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
