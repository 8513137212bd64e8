import { describe, expect, it } from "vitest";
import { BanPatternError, normalisePattern, repositoryForms, repositoryKey, ruleMatches, specForms, targetHost, type BanSubject } from "./rules";

const subject = (specs: string[], host: string | null = "github.com", user: string | null = "alice"): BanSubject => ({ specs: specForms(...specs), host, user });

describe("ban rules", () => {
  it("match a spec pattern from the start and case-insensitively, as BinderHub's banned_specs", () => {
    const rule = { kind: "spec" as const, pattern: "gh/Evil-Org/.*" };
    expect(ruleMatches(rule, subject(["gh/evil-org/mining/HEAD"]), "build")).toBe(true);
    expect(ruleMatches(rule, subject(["gh/good-org/evil-org/HEAD"]), "build")).toBe(false);
    // A ban applies to every action on the repository.
    expect(ruleMatches(rule, subject(["gh/evil-org/x/main"]), "share")).toBe(true);
    expect(ruleMatches(rule, subject(["gh/evil-org/x/main"]), "run")).toBe(true);
  });

  it("see a git URL spec decoded, so a pattern can be written as the URL reads", () => {
    const rule = { kind: "spec" as const, pattern: "git/https://git\\.example\\.org/bad/" };
    expect(ruleMatches(rule, subject([`git/${encodeURIComponent("https://git.example.org/bad/repo.git")}/HEAD`]), "build")).toBe(true);
  });

  it("ban a host and its subdomains, and a port only when the rule names one", () => {
    const rule = { kind: "host" as const, pattern: normalisePattern({ kind: "host", pattern: "*.Example.org" }) };
    expect(rule.pattern).toBe("example.org");
    expect(ruleMatches(rule, subject([], "git.example.org:8443"), "build")).toBe(true);
    expect(ruleMatches(rule, subject([], "example.org"), "build")).toBe(true);
    expect(ruleMatches(rule, subject([], "notexample.org"), "build")).toBe(false);
    const withPort = { kind: "host" as const, pattern: "example.org:9418" };
    expect(ruleMatches(withPort, subject([], "example.org:9418"), "build")).toBe(true);
    expect(ruleMatches(withPort, subject([], "example.org:443"), "build")).toBe(false);
  });

  it("ban a user from building or from sharing, each only that", () => {
    expect(ruleMatches({ kind: "user_build", pattern: "alice" }, subject(["gh/a/b/HEAD"]), "build")).toBe(true);
    expect(ruleMatches({ kind: "user_build", pattern: "alice" }, subject(["gh/a/b/HEAD"]), "share")).toBe(false);
    expect(ruleMatches({ kind: "user_share", pattern: "alice" }, subject(["gh/a/b/HEAD"]), "share")).toBe(true);
    expect(ruleMatches({ kind: "user_share", pattern: "alice" }, subject(["gh/a/b/HEAD"], "github.com", "bob"), "share")).toBe(false);
    // Nobody's run is refused by a per-user rule: an image shared before stays launchable.
    expect(ruleMatches({ kind: "user_share", pattern: "alice" }, subject(["gh/a/b/HEAD"]), "run")).toBe(false);
  });

  it("refuse patterns that would not compile or need backtracking, saying what to fix", () => {
    expect(() => normalisePattern({ kind: "spec", pattern: "gh/(unclosed" })).toThrow(BanPatternError);
    expect(() => normalisePattern({ kind: "spec", pattern: "gh/(a)\\1" })).toThrow(/Backreferences and lookaround are not supported/);
    expect(() => normalisePattern({ kind: "spec", pattern: "gh/(?!good)" })).toThrow(BanPatternError);
    expect(() => normalisePattern({ kind: "host", pattern: "https://example.org/path" })).toThrow(/host name/);
    expect(() => normalisePattern({ kind: "user_build", pattern: "a/b" })).toThrow(BanPatternError);
    expect(normalisePattern({ kind: "spec", pattern: "  gh/org/.*  " })).toBe("gh/org/.*");
  });

  it("match in linear time, so no pattern can hang Kiln (RE2)", () => {
    // Each of these takes JavaScript's own engine seconds to minutes on a long spec.
    const spec = `gh/${"a".repeat(5000)}?`;
    for (const pattern of ["gh/(a+)+$", "gh/.*.*.*.*.*x", "gh/(\\w|\\d)*!"]) {
      // Returns at all: the test's own timeout is the bound, no timing is asserted.
      expect(ruleMatches({ kind: "spec", pattern }, subject([spec]), "build")).toBe(false);
    }
  });

  it("give one repository one key, however it is spelt", () => {
    const key = "repo:github.com/org/repo";
    for (const url of ["https://github.com/org/repo", "https://www.GitHub.com/Org/Repo.git", "git://github.com/org/repo.git/", "http://github.com/org/repo", "git@github.com:org/repo.git", "ssh://git@github.com/org/repo"]) {
      expect(repositoryKey(url), url).toBe(key);
    }
    expect(repositoryKey("https://github.com/org/repo-other")).not.toBe(key);
    // A gist is its id, with or without its owner in the URL.
    expect(repositoryForms(["https://gist.github.com/someone/abc123", "git://gist.github.com/abc123.git"], "https://gist.github.com")).toEqual(["repo:gist.github.com/abc123", "repo:gist.github.com/abc123"]);
    const rule = { kind: "spec" as const, pattern: "repo:github\\.com/org/repo$" };
    expect(ruleMatches(rule, { specs: ["git/whatever", ...repositoryForms(["https://www.github.com/org/repo.git"], null)], host: null, user: null }, "build")).toBe(true);
    expect(ruleMatches(rule, { specs: repositoryForms(["https://github.com/org/repo2"], null), host: null, user: null }, "build")).toBe(false);
  });

  it("know the host of a repository before any network call", () => {
    const hosts = { github: "https://github.com", gist: "https://gist.github.com", gitlab: "https://gitlab.com", zenodo: "https://zenodo.org", figshare: "https://figshare.com", hydroshare: "https://www.hydroshare.org", dataverse: [] };
    expect(targetHost({ provider: "github", owner: "o", repo: "r" }, hosts)).toBe("github.com");
    expect(targetHost({ provider: "git", url: "git://127.0.0.1:9418/x.git" }, hosts)).toBe("127.0.0.1:9418");
    expect(targetHost({ provider: "zenodo", recordId: "1" }, hosts)).toBe("zenodo.org");
  });
});
