import "server-only";
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

// A build fetches whatever URL it is given, from inside the network Kiln runs in. Refuse
// repositories on loopback, private, link-local or cloud-metadata addresses unless an admin
// allow-listed the host.

/** Address ranges a repository may not live in (ipaddr.js range names). */
const BLOCKED_RANGES = new Set([
  "unspecified",
  "broadcast",
  "multicast",
  "linkLocal",
  "loopback",
  "private",
  "uniqueLocal",
  "carrierGradeNat",
  "reserved",
  "ipv4Mapped",
  "rfc6145",
  "rfc6052",
  "6to4",
  "teredo",
  "benchmarking",
  "amt",
  "as112",
  "deprecated",
  "orchid2",
  "droneRemoteIdProtocolEntityTags",
]);

export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

export function isBlockedAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return BLOCKED_RANGES.has(parsed.range());
}

/** Host and port of an https/http/git/ssh URL or an scp-like `user@host:path`. */
export function hostAndPort(repoUrl: string): { host: string; port: string } {
  const scp = /^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)/.exec(repoUrl);
  if (scp?.[1] && !repoUrl.includes("://")) return { host: scp[1].toLowerCase(), port: "22" };
  const url = new URL(repoUrl);
  const defaults: Record<string, string> = { "https:": "443", "http:": "80", "git:": "9418", "ssh:": "22" };
  return { host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(), port: url.port || defaults[url.protocol] || "" };
}

export interface SafetyRules {
  /** Hosts or host:port pairs an admin allowed although they are private. */
  allowedHosts: string[];
  /** Hosts of configured providers (GitHub Enterprise, a self-hosted GitLab…), trusted by configuration. */
  trustedHosts: string[];
}

/** Throws UnsafeUrlError unless `repoUrl` is on a public address or allow-listed. */
export async function assertFetchable(
  repoUrl: string,
  rules: SafetyRules,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<void> {
  const { host, port } = hostAndPort(repoUrl);
  const allowed = new Set([...rules.allowedHosts, ...rules.trustedHosts].map((entry) => entry.toLowerCase()));
  if (allowed.has(host) || allowed.has(`${host}:${port}`)) return;
  if (host === "localhost" || host.endsWith(".localhost")) throw refusal(host);
  const addresses = ipaddr.isValid(host) ? [host] : await resolve(host).catch(() => {
    throw new UnsafeUrlError(`The host ${host} could not be found. Check the repository URL.`);
  });
  if (addresses.length === 0) throw new UnsafeUrlError(`The host ${host} could not be found. Check the repository URL.`);
  if (addresses.some(isBlockedAddress)) throw refusal(host);
}

function refusal(host: string) {
  return new UnsafeUrlError(
    `Kiln does not build from ${host}: it is a local or private address. If this is your institution's git server, ask an admin to add it to KILN_ALLOWED_HOSTS.`,
  );
}

async function resolveAll(host: string): Promise<string[]> {
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}
