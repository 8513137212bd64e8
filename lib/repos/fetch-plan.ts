import "server-only";
import ipaddr from "ipaddr.js";
import type { FetchUrl } from "./git-url";

// What a fetch may reach: the URL as git and repo2docker receive it, and the addresses its host
// was checked at. Kiln resolves a host once; `git ls-remote` and the builder are pinned to those
// addresses (curl's resolve list, the container's /etc/hosts), so a second DNS answer (rebinding)
// never reaches them.

export interface Pin {
  host: string;
  port: number;
  addresses: string[];
}

export interface FetchPlan extends FetchUrl {
  /** Empty when the host is an address literal: nothing to resolve, nothing to pin. */
  pins: Pin[];
}

/** curl's CURLOPT_RESOLVE form, `host:port:addr[,addr]` (IPv6 in brackets); also how builds store pins. */
export function encodePin(pin: Pin): string {
  return `${pin.host}:${pin.port}:${pin.addresses.map((a) => (a.includes(":") ? `[${a}]` : a)).join(",")}`;
}

export function decodePin(text: string): Pin | null {
  const match = /^([^:]+):(\d+):(.+)$/.exec(text);
  if (!match) return null;
  const addresses = match[3]!.split(",").map((a) => a.replace(/^\[(.*)\]$/, "$1"));
  if (!addresses.every((a) => ipaddr.isValid(a))) return null;
  return { host: match[1]!, port: Number(match[2]), addresses };
}

/**
 * Git configuration for every git that fetches a repository (Kiln's ls-remote and the builder's
 * clone), as GIT_CONFIG_COUNT/KEY/VALUE variables (git ≥ 2.31): only BinderHub's protocols (no
 * file://, also not for submodules), no redirects, and http(s) hosts pinned.
 */
export function gitConfig(pins: Pin[]): [string, string][] {
  return [
    ["protocol.allow", "never"],
    ["protocol.https.allow", "always"],
    ["protocol.http.allow", "always"],
    ["protocol.git.allow", "always"],
    ["protocol.ssh.allow", "always"],
    ["protocol.file.allow", "never"],
    // A redirect would take curl to a host nobody checked.
    ["http.followRedirects", "false"],
    ...pins.map((pin): [string, string] => ["http.curloptResolve", encodePin(pin)]),
  ];
}

export function gitConfigEnv(pins: Pin[]): Record<string, string> {
  const entries = gitConfig(pins);
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** Docker's HostConfig.ExtraHosts (`name:address`): the builder's /etc/hosts answers with the checked addresses. */
export function extraHosts(pins: Pin[]): string[] {
  return [...new Set(pins.flatMap((pin) => pin.addresses.map((address) => `${pin.host}:${address}`)))];
}

/** What a builder container needs from a build's stored pins: git's configuration and /etc/hosts lines. */
export function builderFetchSettings(storedPins: string[]): { env: string[]; extraHosts: string[] } {
  const pins = storedPins.map(decodePin).filter((pin): pin is Pin => pin !== null);
  return {
    env: Object.entries(gitConfigEnv(pins)).map(([key, value]) => `${key}=${value}`),
    extraHosts: extraHosts(pins),
  };
}
