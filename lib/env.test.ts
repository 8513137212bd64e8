import { describe, expect, it } from "vitest";
import { ConfigError, parseDatabaseEnv, parseServerEnv, publicBaseUrl } from "./env";

const valid = {
  DATABASE_URL: "postgresql://kiln:kiln@127.0.0.1:5432/kiln",
  JUPYTERHUB_API_URL: "http://127.0.0.1:8081/hub/api",
  JUPYTERHUB_API_TOKEN: "a".repeat(32),
  JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:8000",
  NEXTAUTH_URL: "http://127.0.0.1:8000/services/kiln/api/auth",
  NEXTAUTH_SECRET: "s".repeat(64),
};

/** A complete Kubernetes-mode configuration outside the cluster. */
const kubernetes = {
  ...valid,
  KILN_MODE: "kubernetes",
  KILN_K8S_NAMESPACE: "jhub",
  KILN_K8S_KUBECONFIG: "/etc/kiln/kubeconfig",
  KILN_REGISTRY_PUSH: "true",
  KILN_K8S_PUSH_SECRET: "kiln-build-push",
  KILN_IMAGE_PREFIX: "registry.example.org/kiln-",
};

function errorOf(raw: Record<string, string | undefined>): string {
  try {
    parseServerEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("parseServerEnv", () => {
  it("runs in docker mode unless told otherwise, and needs nothing of Kubernetes then", () => {
    expect(parseServerEnv(valid).KILN_MODE).toBe("docker");
    expect(() => parseServerEnv({ ...valid, KILN_MODE: "swarm" })).toThrow(/KILN_MODE must be docker or kubernetes/);
  });

  it("in Kubernetes mode names each setting that is missing, and why", () => {
    const message = errorOf({ ...valid, KILN_MODE: "kubernetes" });
    expect(message).toContain("KILN_K8S_NAMESPACE must name the namespace build pods run in");
    expect(message).toContain("KILN_K8S_KUBECONFIG must point at a kubeconfig when Kiln runs outside the cluster");
    expect(message).toContain("KILN_REGISTRY_PUSH must be true in Kubernetes mode");
    // Inside a pod the service account serves; pushing needs the Secret build pods push with.
    const inCluster = errorOf({ ...valid, KILN_MODE: "kubernetes", KILN_K8S_NAMESPACE: "jhub", KUBERNETES_SERVICE_HOST: "10.0.0.1", KILN_REGISTRY_PUSH: "true" });
    expect(inCluster).not.toContain("KILN_K8S_KUBECONFIG");
    expect(inCluster).toContain("KILN_K8S_PUSH_SECRET must name the Secret build pods push with");
  });

  it("parses a complete Kubernetes configuration, and refuses malformed values with examples", () => {
    const env = parseServerEnv({ ...kubernetes, KILN_K8S_NODE_SELECTOR: "hub.jupyter.org/node-purpose=user, disk=ssd" });
    expect(env.KILN_K8S_NODE_SELECTOR).toEqual({ "hub.jupyter.org/node-purpose": "user", disk: "ssd" });
    expect(env.KILN_K8S_IMAGE_PULL_POLICY).toBe("IfNotPresent");
    expect(env.KILN_K8S_BUILDER_MEMORY_REQUEST_MB).toBe(512);
    const bad = errorOf({ ...valid, KILN_K8S_NAMESPACE: "Not_A_Namespace", KILN_K8S_IMAGE_PULL_POLICY: "Sometimes", KILN_K8S_NODE_SELECTOR: "disk" });
    expect(bad).toContain("KILN_K8S_NAMESPACE must be a Kubernetes namespace name");
    expect(bad).toContain("KILN_K8S_IMAGE_PULL_POLICY must be IfNotPresent, Always or Never; for example");
    expect(bad).toContain("KILN_K8S_NODE_SELECTOR must list key=value pairs");
    // What would fail only at the first build: no socket to mount, no registry to pull from, requests over limits.
    const late = errorOf({
      ...kubernetes,
      DOCKER_HOST: "tcp://127.0.0.1:2375",
      KILN_IMAGE_PREFIX: "kiln-",
      KILN_BUILDER_CPUS: "1",
      KILN_K8S_BUILDER_CPU_REQUEST: "2",
      KILN_BUILDER_MEMORY_MB: "256",
    });
    expect(late).toContain("DOCKER_HOST must be the node's engine socket (unix://...)");
    expect(late).toContain("KILN_IMAGE_PREFIX must start with the registry's host");
    expect(late).toContain("KILN_K8S_BUILDER_CPU_REQUEST must not exceed KILN_BUILDER_CPUS (1)");
    expect(late).toContain("KILN_K8S_BUILDER_MEMORY_REQUEST_MB must not exceed KILN_BUILDER_MEMORY_MB (256)");
  });

  it("accepts a complete configuration and fills defaults", () => {
    const env = parseServerEnv(valid);
    expect(env.DOCKER_HOST).toBe("unix:///var/run/docker.sock");
    expect(env.JUPYTERHUB_CLIENT_ID).toBe("service-kiln");
    expect(env.JUPYTERHUB_SERVICE_PREFIX).toBe("/services/kiln/");
    expect(env.KILN_HEALTH_TIMEOUT_MS).toBe(3000);
  });

  it("names a missing variable and shows how to set it", () => {
    const message = errorOf({ ...valid, DATABASE_URL: undefined });
    expect(message).toContain("DATABASE_URL is not set");
    expect(message).toContain("DATABASE_URL=postgresql://");
    expect(message).toContain(".env.example");
  });

  it("lists every bad variable at once, with the reason", () => {
    const message = errorOf({ ...valid, JUPYTERHUB_CLIENT_ID: "kiln", NEXTAUTH_SECRET: "short", DOCKER_HOST: "/var/run/docker.sock" });
    expect(message).toMatch(/JUPYTERHUB_CLIENT_ID must start with service-/);
    expect(message).toMatch(/NEXTAUTH_SECRET must be at least 32 characters/);
    expect(message).toMatch(/DOCKER_HOST must be a unix:\/\/ socket/);
  });

  it("treats an empty value as not set", () => {
    expect(errorOf({ ...valid, JUPYTERHUB_API_TOKEN: "" })).toContain("JUPYTERHUB_API_TOKEN is not set");
  });

  it("rejects a non-PostgreSQL database URL", () => {
    expect(errorOf({ ...valid, DATABASE_URL: "mysql://x@y/z" })).toContain("DATABASE_URL must be a PostgreSQL URL");
  });

  it("builds the public base URL from the Hub URL and the service prefix", () => {
    expect(publicBaseUrl(parseServerEnv({ ...valid, JUPYTERHUB_PUBLIC_URL: "https://hub.example.org/" }))).toBe(
      "https://hub.example.org/services/kiln",
    );
  });
});

describe("parseDatabaseEnv", () => {
  it("needs only DATABASE_URL", () => {
    expect(parseDatabaseEnv({ DATABASE_URL: valid.DATABASE_URL })).toEqual({ DATABASE_URL: valid.DATABASE_URL });
    expect(() => parseDatabaseEnv({})).toThrow(/DATABASE_URL is not set/);
  });
});

describe("provider and build settings", () => {
  it("defaults to the public services and reads lists", () => {
    const env = parseServerEnv({ ...valid, KILN_ALLOWED_HOSTS: "127.0.0.1:9418, git.example.org" });
    expect(env.KILN_GITHUB_API_URL).toBe("https://api.github.com");
    expect(env.KILN_DATAVERSE_URLS).toEqual(["https://dataverse.harvard.edu", "https://dataverse.nl"]);
    expect(env.KILN_ALLOWED_HOSTS).toEqual(["127.0.0.1:9418", "git.example.org"]);
    expect(env.KILN_REGISTRY_PUSH).toBe(false);
    expect(env.KILN_IMAGE_PREFIX).toBe("kiln-");
  });

  it("drops a trailing slash from base URLs so paths join cleanly", () => {
    expect(parseServerEnv({ ...valid, KILN_GITHUB_API_URL: "http://127.0.0.1:9999/api/v3/" }).KILN_GITHUB_API_URL).toBe(
      "http://127.0.0.1:9999/api/v3",
    );
  });

  it("explains a bad image prefix and a bad limit", () => {
    const message = errorOf({ ...valid, KILN_IMAGE_PREFIX: "Kiln Images/", KILN_BUILD_PER_USER: "0" });
    expect(message).toMatch(/KILN_IMAGE_PREFIX must be a lowercase image name prefix/);
    expect(message).toMatch(/KILN_BUILD_PER_USER must be a positive whole number of builds/);
  });
});
