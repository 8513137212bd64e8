import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer, type GitServer } from "@/test/git-server";
import { builderFetchSettings, decodePin, encodePin, gitConfigEnv } from "./fetch-plan";

let git: GitServer;
beforeAll(async () => {
  git = await startGitServer();
});
afterAll(async () => {
  await git?.stop();
});

describe("pins", () => {
  it("are stored in curl's resolve form and read back, IPv6 in brackets", () => {
    const pin = { host: "git.example.org", port: 443, addresses: ["93.184.216.34", "2606:4700::6810:84e5"] };
    expect(encodePin(pin)).toBe("git.example.org:443:93.184.216.34,[2606:4700::6810:84e5]");
    expect(decodePin(encodePin(pin))).toEqual(pin);
    expect(decodePin("host:443:not-an-address")).toBeNull();
  });

  it("give the builder /etc/hosts lines and git's pinned configuration", () => {
    const { env, extraHosts } = builderFetchSettings(["git.example.org:443:93.184.216.34,[2606:4700::6810:84e5]", "garbage"]);
    expect(extraHosts).toEqual(["git.example.org:93.184.216.34", "git.example.org:2606:4700::6810:84e5"]);
    expect(env).toContain("GIT_CONFIG_VALUE_7=git.example.org:443:93.184.216.34,[2606:4700::6810:84e5]");
    expect(env).toContain("GIT_CONFIG_KEY_6=http.followRedirects");
    expect(env.find((line) => line.startsWith("GIT_CONFIG_COUNT="))).toBe("GIT_CONFIG_COUNT=8");
  });
});

describe("git's configuration", () => {
  const lsRemote = (url: string, env: Record<string, string>) =>
    spawnSync("git", ["ls-remote", "--", url], { env: { NODE_ENV: "test", PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", ...env }, encoding: "utf8" });

  it("refuses file:// even if a URL got past the parser (a submodule's, say)", () => {
    git.commit("on-disk", { "a.txt": "a" });
    const url = `file://${git.root}/on-disk.git`;
    expect(lsRemote(url, {}).status).toBe(0); // git alone would read it
    const refused = lsRemote(url, gitConfigEnv([]));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/transport 'file' not allowed/);
  });

  it("still reads the allowed protocols", () => {
    const sha = git.commit("allowed", { "a.txt": "a" });
    expect(lsRemote(git.url("allowed"), gitConfigEnv([])).stdout).toContain(sha);
    expect(execFileSync("git", ["--version"], { encoding: "utf8" })).toMatch(/git version 2\.(3[7-9]|[4-9]\d)/);
  });
});
