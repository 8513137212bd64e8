import "server-only";
import { serverEnv } from "@/lib/env";
import type { ProviderConfig } from "@/lib/repos/resolve";
import type { SafetyRules } from "@/lib/repos/safety";
import type { ProviderHosts } from "@/lib/repos/types";

export function providerHosts(): ProviderHosts {
  const env = serverEnv();
  return {
    github: env.KILN_GITHUB_URL,
    gist: env.KILN_GIST_URL,
    gitlab: env.KILN_GITLAB_URL,
    zenodo: env.KILN_ZENODO_URL,
    figshare: env.KILN_FIGSHARE_URL,
    hydroshare: env.KILN_HYDROSHARE_URL,
    dataverse: env.KILN_DATAVERSE_URLS,
  };
}

export function providerConfig(): ProviderConfig {
  const env = serverEnv();
  return {
    ...providerHosts(),
    githubApi: env.KILN_GITHUB_API_URL,
    githubToken: env.KILN_GITHUB_TOKEN,
    gitlabToken: env.KILN_GITLAB_TOKEN,
    figshareApi: env.KILN_FIGSHARE_API_URL,
    doiResolver: env.KILN_DOI_RESOLVER_URL,
  };
}

export function safetyRules(): SafetyRules {
  const hosts = providerHosts();
  const trusted = [hosts.github, hosts.gist, hosts.gitlab, hosts.zenodo, hosts.figshare, hosts.hydroshare, ...hosts.dataverse];
  const hostAndPort = (url: URL) => `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
  return { allowedHosts: serverEnv().KILN_ALLOWED_HOSTS, trustedHosts: trusted.map((url) => hostAndPort(new URL(url))) };
}

export function buildSettings() {
  const env = serverEnv();
  return {
    builderImage: env.KILN_BUILDER_IMAGE,
    engineSocketHost: new URL(env.DOCKER_HOST).protocol === "unix:" ? new URL(env.DOCKER_HOST).pathname : undefined,
    engineSocketInBuilder: env.KILN_BUILDER_ENGINE_SOCKET,
    builderEnv: env.KILN_BUILDER_ENV,
    imagePrefix: env.KILN_IMAGE_PREFIX,
    push: env.KILN_REGISTRY_PUSH,
    concurrency: env.KILN_BUILD_CONCURRENCY,
    perUser: env.KILN_BUILD_PER_USER,
    timeoutMs: env.KILN_BUILD_TIMEOUT_SECONDS * 1000,
    idleMs: env.KILN_BUILD_IDLE_SECONDS * 1000,
    logMaxBytes: env.KILN_BUILD_LOG_MAX_BYTES,
    logMaxLineBytes: env.KILN_BUILD_LOG_MAX_LINE_BYTES,
    queuedPerUser: env.KILN_BUILD_QUEUED_PER_USER,
    builderLimits: { memoryBytes: env.KILN_BUILDER_MEMORY_MB * 1024 * 1024, cpus: env.KILN_BUILDER_CPUS, pids: env.KILN_BUILDER_PIDS },
  };
}

/** Limits on live log viewers, per Kiln process. */
export function streamSettings() {
  return { perUser: serverEnv().KILN_STREAMS_PER_USER };
}
