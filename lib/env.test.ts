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
