import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer, type GitServer } from "@/test/git-server";
import { builderFetchSettings, decodePin, encodePin, gitConfigEnv, repo2dockerCommand, repo2dockerConfig } from "./fetch-plan";

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

  it("clones what was asked for but no submodule, whose host nobody checked", () => {
    git.commit("inner", { "secret.txt": "from a host nobody checked" });
    const outer = mkdtempSync(path.join(tmpdir(), "kiln-outer-"));
    const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
      spawnSync("git", ["-c", "user.email=k@example.org", "-c", "user.name=k", "-c", "protocol.file.allow=always", ...args], {
        cwd,
        env: { NODE_ENV: "test", PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: outer, GIT_CONFIG_NOSYSTEM: "1", ...env },
        encoding: "utf8",
      });
    try {
      const work = path.join(outer, "work");
      expect(run(outer, ["init", "-q", work]).status).toBe(0);
      expect(run(work, ["submodule", "add", "-q", git.url("inner"), "inner"]).status).toBe(0);
      expect(run(work, ["commit", "-qm", "with a submodule"]).status).toBe(0);
      const clone = path.join(outer, "clone");
      expect(run(outer, ["clone", "-q", `file://${work}`, clone]).status).toBe(0);
      const update = run(clone, ["submodule", "update", "--init", "--recursive"], gitConfigEnv([]));
      expect(update.status).not.toBe(0);
      expect(update.stderr).toMatch(/transport 'git' not allowed/);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  });
});

describe("repo2docker", () => {
  it("gets only the content provider Kiln checked, never CKAN, Mercurial or the others", () => {
    expect(repo2dockerConfig("git")).toContain("c.Repo2Docker.content_providers = [Git]");
    expect(repo2dockerConfig("github")).toContain("[Git]");
    expect(repo2dockerConfig("zenodo")).toContain("[Zenodo]");
    expect(repo2dockerConfig("hydroshare")).toContain("[Hydroshare]");
    const command = repo2dockerCommand(["--no-run", "--", "https://example.org/x"]);
    expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(command[2]).toContain('--config /tmp/kiln-repo2docker.py "$@"');
    expect(command.slice(3)).toEqual(["repo2docker", "--no-run", "--", "https://example.org/x"]);
  });
});

