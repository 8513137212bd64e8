import "server-only";
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { withTimeout } from "@/lib/timeout";
import type { FetchPlan } from "./fetch-plan";
import { parseFetchUrl } from "./git-url";

// A build fetches whatever URL it is given, from inside the network Kiln runs in. Refuse
// repositories on loopback, private, link-local or cloud-metadata addresses unless an admin
// allow-listed the host. The URL is read by parseFetchUrl, so the host checked is the host fetched.

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

export interface SafetyRules {
  /** Hosts or host:port pairs an admin allowed although they are private. */
  allowedHosts: string[];
  /** host:port of configured providers (GitHub Enterprise, a self-hosted GitLab…), trusted on that port only. */
  trustedHosts: string[];
}

export type Lookup = (host: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 10_000;

/**
 * Parses `url` with the one parser, resolves its host once and refuses it unless every address is
 * public or the host is allow-listed. The plan it returns carries the addresses that were checked,
 * for pinning; allow-listed names are resolved and pinned too, so every fetch sees one answer.
 */
export async function planFetch(url: string, kind: "git" | "web", rules: SafetyRules, lookup: Lookup = resolveAll): Promise<FetchPlan> {
  const target = parseFetchUrl(url, kind);
  const { host, port } = target;
  const hostText = host.includes(":") ? `[${host}]` : host;
  const allowed = new Set(rules.allowedHosts.map((entry) => entry.toLowerCase()));
  const trusted = new Set(rules.trustedHosts.map((entry) => entry.toLowerCase()));
  // A provider's host is trusted on its own port only: not a way to reach its other services.
  const isAllowed = allowed.has(hostText) || allowed.has(`${hostText}:${port}`) || allowed.has(host) || trusted.has(`${hostText}:${port}`);
  const refusal = (refused: string) => privateHostRefusal(refused, rules.allowedHosts);
  if (!isAllowed && (host === "localhost" || host.endsWith(".localhost"))) throw refusal(host);
  if (ipaddr.isValid(host)) {
    if (!isAllowed && isBlockedAddress(host)) throw refusal(host);
    return { ...target, pins: [] };
  }
  const notFound = () => new UnsafeUrlError(`The host ${host} could not be found. Check the repository URL.`);
  let found: string[];
  try {
    found = await withTimeout(lookup(host), LOOKUP_TIMEOUT_MS, `DNS for ${host}`);
  } catch {
    throw notFound();
  }
  const addresses = [...new Set(found.filter((address) => ipaddr.isValid(address)).map((address) => ipaddr.process(address).toString()))];
  if (addresses.length === 0) throw notFound();
  if (!isAllowed && addresses.some(isBlockedAddress)) throw refusal(host);
  // IPv4 first: builders often have no IPv6 route.
  addresses.sort((a, b) => Number(a.includes(":")) - Number(b.includes(":")));
  return { ...target, pins: [{ host, port, addresses }] };
}

/** A private host refused: which private hosts this Hub does build from (with their ports), and who can add one. */
function privateHostRefusal(host: string, allowedHosts: string[]) {
  const allowed = allowedHosts.length
    ? ` The private hosts this Hub builds from are: ${allowedHosts.join(", ")} (a host without a port means any of its ports).`
    : " This Hub builds from no private host.";
  return new UnsafeUrlError(
    `Kiln does not build from ${host}: it is a local or private address.${allowed} If this is your institution's git server, ask your Hub admin to allow it.`,
  );
}

async function resolveAll(host: string): Promise<string[]> {
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}
