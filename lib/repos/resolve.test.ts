import { execFileSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtures, startProviderStub, type ProviderStub } from "@/test/provider-stub";
import { startGitHttpServer, startGitServer, startListener, type GitHttpServer, type GitServer, type Listener } from "@/test/git-server";
import { RepoInputError } from "./git-url";
import { parseRepository } from "./parse";
import { resolveGit, resolveRepo, ResolveError, type FetchSafety, type ProviderConfig } from "./resolve";
import { UnsafeUrlError } from "./safety";

let stub: ProviderStub;
let git: GitServer;
let http: GitHttpServer;
let listener: Listener;
let config: ProviderConfig;
let safety: FetchSafety;

beforeAll(async () => {
  stub = await startProviderStub();
  git = await startGitServer();
  listener = await startListener();
  http = await startGitHttpServer(git.root, {
    // A server that sends git elsewhere: to the listener, which must never see a connection.
    redirect: (path) => (path.startsWith("/moved.git/") ? `http://127.0.0.1:${listener.port}${path.replace("/moved.git", "/x.git")}` : undefined),
  });
  // The settings a GitHub Enterprise / self-hosted GitLab / other-Dataverse admin would use.
  config = {
    github: `${stub.base}/github`,
    githubApi: `${stub.base}/github/api/v3`,
    gist: `${stub.base}/gist`,
    gitlab: `${stub.base}/gitlab`,
    zenodo: `${stub.base}/zenodo`,
    figshare: `${stub.base}/figshare`,
    figshareApi: `${stub.base}/figshare-api/v2`,
    hydroshare: `${stub.base}/hydroshare`,
    dataverse: [`${stub.base}/dataverse`],
    doiResolver: `${stub.base}/doi`,
  };
  // As settings.ts does: provider hosts are trusted, the test git daemon is allow-listed by an admin.
  safety = { rules: { allowedHosts: [`127.0.0.1:${git.port}`, `127.0.0.1:${http.port}`], trustedHosts: [`${new URL(stub.base).hostname}:${new URL(stub.base).port}`] } };
});

afterAll(async () => {
  await stub?.close();
  await http?.stop();
  await listener?.stop();
  await git?.stop();
});

const resolve = (input: string, ref = "") => resolveRepo(parseRepository(input, ref, config), config, safety);

async function failure(promise: Promise<unknown>): Promise<ResolveError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ResolveError);
    return error as ResolveError;
  }
  throw new Error("expected a ResolveError");
}

describe("GitHub", () => {
  const repo = () => `${config.github}/${fixtures.github.owner}/${fixtures.github.repo}`;
  it("resolves HEAD, a branch and a tag to commit SHAs", async () => {
    expect(await resolve(repo())).toEqual({ repoUrl: repo(), resolvedRef: fixtures.github.refs.main, fetchPins: [] });
    expect((await resolve(repo(), "v1.0")).resolvedRef).toBe(fixtures.github.refs["v1.0"]);
    expect(stub.requests).toContain(`GET /github/api/v3/repos/lab/analysis/commits/v1.0`);
  });
  it("says which part is unknown", async () => {
    expect((await failure(resolve(`${config.github}/lab/missing`))).message).toMatch(/no public repository lab\/missing/);
    const badRef = await failure(resolve(repo(), "nope"));
    expect(badRef.message).toMatch(/no branch, tag or commit named “nope”/);
    expect(badRef.field).toBe("ref");
  });
});

describe("GitLab", () => {
  const project = () => `${config.gitlab}/${fixtures.gitlab.project}`;
  it("resolves a ref through the v4 API with the project path encoded", async () => {
    expect(await resolve(project(), "main")).toEqual({ repoUrl: `${project()}.git`, resolvedRef: fixtures.gitlab.refs.main, fetchPins: [] });
    expect(stub.requests).toContain("GET /gitlab/api/v4/projects/group%2Fsub%2Fproject/repository/commits/main");
  });
  it("tells an unknown project from an unknown ref", async () => {
    expect((await failure(resolve(`${config.gitlab}/group/other`))).message).toMatch(/no public project group\/other/);
    expect((await failure(resolve(project(), "gone"))).field).toBe("ref");
  });
});

describe("Gist", () => {
  it("resolves HEAD to the newest revision and accepts a known one", async () => {
    const url = `${config.gist}/${fixtures.gist.owner}/${fixtures.gist.id}`;
    expect(await resolve(url)).toEqual({ repoUrl: `${config.gist}/${fixtures.gist.id}.git`, resolvedRef: fixtures.gist.versions[0], fetchPins: [] });
    expect((await resolve(url, fixtures.gist.versions[1]!)).resolvedRef).toBe(fixtures.gist.versions[1]);
    expect((await failure(resolve(url, "f".repeat(40)))).field).toBe("ref");
    expect((await failure(resolve(`${config.gist}/bob/${fixtures.gist.id}`))).message).toMatch(/belongs to alice/);
  });
});

describe("plain git, against a real git daemon", () => {
  it("resolves HEAD, branches, annotated tags and full SHAs with ls-remote", async () => {
    const first = git.commit("resolve-me", { "README.md": "one" }, { tag: "v1" });
    const second = git.commit("resolve-me", { "README.md": "two" });
    const onBranch = git.commit("resolve-me", { "x.txt": "x" }, { branch: "feature" });
    const url = git.url("resolve-me");
    expect(await resolve(url)).toEqual({ repoUrl: url, resolvedRef: second, fetchPins: [] });
    expect((await resolve(url, "main")).resolvedRef).toBe(second);
    expect((await resolve(url, "feature")).resolvedRef).toBe(onBranch);
    expect((await resolve(url, "v1")).resolvedRef).toBe(first);
    expect((await resolve(url, first.toUpperCase())).resolvedRef).toBe(first);
  });
  it("reports an unknown ref and an unknown repository", async () => {
    git.commit("known", { "a.txt": "a" });
    const badRef = await failure(resolve(git.url("known"), "nope"));
    expect(badRef.field).toBe("ref");
    expect(badRef.message).toMatch(/no branch or tag named “nope”/);
    expect((await failure(resolve(git.url("missing")))).message).toMatch(/could not read a git repository at this URL/);
  });

  it("checks that a full SHA names a commit: a random one is refused, any real one (not only a branch tip) accepted", async () => {
    const old = git.commit("shas", { "a.txt": "1" });
    const tip = git.commit("shas", { "a.txt": "2" });
    const url = git.url("shas");
    const random = "0123456789abcdef0123456789abcdef01234567";
    const refused = await failure(resolve(url, random));
    expect(refused.field).toBe("ref");
    expect(refused.message).toMatch(new RegExp(`no commit ${random}\\. Check the SHA`));
    expect((await resolve(url, old)).resolvedRef).toBe(old);
    expect((await resolve(url, tip)).resolvedRef).toBe(tip);
    expect((await resolve(`git/${encodeURIComponent(url)}/${old.toUpperCase()}`)).resolvedRef).toBe(old);
    // A tree is not a commit, even though it exists.
    const tree = execFileSync("git", ["-C", `${git.root}/shas.git`, "rev-parse", `${old}^{tree}`], { encoding: "utf8" }).trim();
    expect((await failure(resolve(url, tree))).field).toBe("ref");
  });

  it("summarises git's errors instead of echoing them (no port scanner)", async () => {
    const closed = await startListener();
    const port = closed.port;
    await closed.stop();
    const url = `git://127.0.0.1:${port}/x.git`;
    const error = await failure(resolveRepo(parseRepository(url, "", config), config, { rules: { ...safety.rules, allowedHosts: [`127.0.0.1:${port}`] } }));
    expect(error.message).toMatch(/could not read a git repository/);
    expect(error.message).not.toMatch(/refused|fatal|unable|errno|connect/i);
    expect(error.message).not.toContain(String(port));
  });
});

describe("attacks on the fetch", () => {
  it("never lets a backslash spec reach the host git would read", async () => {
    // WHATWG reads host github.com; git (curl) would connect to the listener.
    const spec = `git/${encodeURIComponent(`http://github.com\\@127.0.0.1:${listener.port}/x`)}/HEAD`;
    const trusting: FetchSafety = { rules: { ...safety.rules, trustedHosts: ["github.com:80"] }, lookup: async () => ["140.82.112.3"] };
    await expect(Promise.resolve().then(() => resolveRepo(parseRepository(spec, "", config), config, trusting))).rejects.toThrow(RepoInputError);
    await expect(resolveGit(`http://github.com\\@127.0.0.1:${listener.port}/x`, "HEAD", trusting)).rejects.toThrow(RepoInputError);
    expect(listener.connections).toBe(0);
  });

  it("never reads a local repository through file://", async () => {
    git.commit("local", { "a.txt": "a" });
    const local = `file://${git.root}/local.git`;
    expect(() => parseRepository(`git/${encodeURIComponent(local)}/HEAD`, "", config)).toThrow(/file: URLs are not supported/);
    await expect(resolveGit(local, "HEAD", safety)).rejects.toThrow(/file: URLs are not supported/);
    await expect(resolveGit(`file://127.0.0.1:${listener.port}/x`, "HEAD", safety)).rejects.toThrow(RepoInputError);
    expect(listener.connections).toBe(0);
  });

  it("follows no redirect to another host", async () => {
    git.commit("moved", { "a.txt": "a" });
    const error = await failure(resolve(http.url("moved")));
    expect(error.message).toMatch(/could not read a git repository/);
    expect(http.requests.some((r) => r.startsWith("GET /moved.git/info/refs"))).toBe(true);
    expect(listener.connections).toBe(0);
  });
});

describe("DNS pinning", () => {
  // A name only the test's resolver knows: git can reach it through the pin and in no other way.
  const name = "git.pinned.test";
  const pinned = (extra: string[] = []): FetchSafety & { calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      rules: { allowedHosts: [`${name}:${git.port}`, `${name}:${http.port}`, ...extra], trustedHosts: [] },
      lookup: async (host) => {
        calls.push(host);
        return host === name ? ["127.0.0.1"] : [];
      },
    };
  };

  it("returns the addresses it checked and runs git's protocol pinned to them", async () => {
    const sha = git.commit("pinned", { "a.txt": "a" });
    const checks = pinned();
    const url = `git://${name}:${git.port}/pinned.git`;
    expect(await resolveGit(url, "HEAD", checks)).toEqual({ repoUrl: url, resolvedRef: sha, fetchPins: [`${name}:${git.port}:127.0.0.1`] });
    expect(checks.calls).toEqual([name]);
  });

  it("pins http(s) through curl's resolve list, for ls-remote and for the commit check", async () => {
    const old = git.commit("pinned-http", { "a.txt": "1" });
    const tip = git.commit("pinned-http", { "a.txt": "2" });
    const url = http.url("pinned-http", name);
    const checks = pinned();
    expect(await resolveGit(url, "main", checks)).toEqual({ repoUrl: url, resolvedRef: tip, fetchPins: [`${name}:${http.port}:127.0.0.1`] });
    expect((await resolveGit(url, old, checks)).resolvedRef).toBe(old);
    expect(checks.calls).toEqual([name, name]);
  });

  it("fails without the pin: the name resolves nowhere else", async () => {
    await expect(resolveGit(`git://${name}:${git.port}/pinned.git`, "HEAD", { ...pinned(), lookup: async () => [] })).rejects.toThrow(UnsafeUrlError);
  });
});

describe("Zenodo", () => {
  it("resolves a record to itself and a concept DOI to its latest version", async () => {
    expect(await resolve(`10.5281/zenodo.${fixtures.zenodo.recordId}`)).toEqual({
      repoUrl: `${config.zenodo}/records/${fixtures.zenodo.recordId}`,
      resolvedRef: fixtures.zenodo.recordId,
      fetchPins: [],
    });
    expect((await resolve(`${config.zenodo}/records/${fixtures.zenodo.conceptId}`)).resolvedRef).toBe(fixtures.zenodo.latestOfConcept);
    expect((await failure(resolve("10.5281/zenodo.1"))).message).toMatch(/no public record 1/);
  });
});

describe("Figshare", () => {
  it("resolves the latest version, or the one asked for", async () => {
    const id = fixtures.figshare.articleId;
    expect((await resolve(`10.6084/m9.figshare.${id}`)).resolvedRef).toBe(`${id}.v3`);
    expect((await resolve(`10.6084/m9.figshare.${id}.v2`)).resolvedRef).toBe(`${id}.v2`);
    expect((await resolve(`${config.figshare}/articles/dataset/x/${id}`, "1")).resolvedRef).toBe(`${id}.v1`);
    expect((await failure(resolve(`10.6084/m9.figshare.${id}.v9`))).field).toBe("ref");
  });
});

describe("HydroShare", () => {
  it("versions a resource by its modification time", async () => {
    const { resourceId, modified } = fixtures.hydroshare;
    expect(await resolve(`10.4211/hs.${resourceId}`)).toEqual({
      repoUrl: `${config.hydroshare}/resource/${resourceId}`,
      resolvedRef: `${resourceId}.v${Date.parse(modified) / 1000}`,
      fetchPins: [],
    });
    expect((await failure(resolve(`10.4211/hs.${"0".repeat(32)}`))).message).toMatch(/no public resource/);
  });
});

describe("Dataverse", () => {
  it("follows the DOI to a configured installation and pins the dataset version", async () => {
    const { doi, id } = fixtures.dataverse;
    expect(await resolve(doi)).toEqual({ repoUrl: `${config.dataverse[0]}/dataset.xhtml?persistentId=doi:${doi}`, resolvedRef: `${id}.v2.1`, fetchPins: [] });
  });
  it("refuses DOIs that land elsewhere and DOIs that do not exist", async () => {
    expect((await failure(resolve("10.1000/elsewhere"))).message).toMatch(/points to publisher.example.org/);
    expect((await failure(resolve("10.1000/none"))).message).toMatch(/does not exist/);
  });
});

describe("an unreachable provider", () => {
  it("is reported as unavailable, not as a missing repository", async () => {
    // A port that was just free: nothing listens, so the connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = { ...config, githubApi: `http://127.0.0.1:${port}/api/v3` };
    const error = await failure(resolveRepo(parseRepository(`${config.github}/lab/analysis`, "", down), down, safety));
    expect(error.unavailable).toBe(true);
    expect(error.message).toBe("GitHub could not be reached from this Hub: the Hub has no route to it. Many Hubs reach only some hosts; your Hub admin can tell you which, or change it.");
  });
});
