import "server-only";
import ipaddr from "ipaddr.js";
import type { FetchUrl } from "./git-url";
import type { ProviderId } from "./providers";

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
    // "user": only for what was asked for, never for submodules, whose hosts nobody checked.
    ["protocol.https.allow", "user"],
    ["protocol.http.allow", "user"],
    ["protocol.git.allow", "user"],
    ["protocol.ssh.allow", "user"],
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

/** repo2docker's content provider for each of Kiln's providers (repo2docker.contentproviders). */
const REPO2DOCKER_PROVIDERS: Record<ProviderId, string> = {
  github: "Git",
  gitlab: "Git",
  gist: "Git",
  git: "Git",
  zenodo: "Zenodo",
  figshare: "Figshare",
  dataverse: "Dataverse",
  hydroshare: "Hydroshare",
};

/**
 * repo2docker's configuration for one build: only the content provider Kiln chose and checked.
 * Left to itself, repo2docker asks every provider whether it claims the URL, and CKAN or
 * Mercurial would fetch from hosts (and follow redirects) that Kiln never checked.
 */
export function repo2dockerConfig(provider: ProviderId): string {
  const name = REPO2DOCKER_PROVIDERS[provider];
  return `from repo2docker.contentproviders import ${name}\nc.Repo2Docker.content_providers = [${name}]\n`;
}

/** Runs repo2docker with `config` (from the KILN_REPO2DOCKER_CONFIG variable) and `args`. */
export function repo2dockerCommand(args: string[]): string[] {
  return [
    "sh",
    "-c",
    'printf "%s" "$KILN_REPO2DOCKER_CONFIG" > /tmp/kiln-repo2docker.py && exec jupyter-repo2docker --config /tmp/kiln-repo2docker.py "$@"',
    "repo2docker",
    ...args,
  ];
}
