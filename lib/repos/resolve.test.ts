import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtures, startProviderStub, type ProviderStub } from "@/test/provider-stub";
import { startGitServer, type GitServer } from "@/test/git-server";
import { parseRepository } from "./parse";
import { resolveRepo, ResolveError, type ProviderConfig } from "./resolve";

let stub: ProviderStub;
let git: GitServer;
let config: ProviderConfig;

beforeAll(async () => {
  stub = await startProviderStub();
  git = await startGitServer();
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
});

afterAll(async () => {
  await stub?.close();
  await git?.stop();
});

const resolve = (input: string, ref = "") => resolveRepo(parseRepository(input, ref, config), config);

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
    expect(await resolve(repo())).toEqual({ repoUrl: repo(), resolvedRef: fixtures.github.refs.main });
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
    expect(await resolve(project(), "main")).toEqual({ repoUrl: `${project()}.git`, resolvedRef: fixtures.gitlab.refs.main });
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
    expect(await resolve(url)).toEqual({ repoUrl: `${config.gist}/${fixtures.gist.id}.git`, resolvedRef: fixtures.gist.versions[0] });
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
    expect(await resolve(url)).toEqual({ repoUrl: url, resolvedRef: second });
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
    expect((await failure(resolve(git.url("missing")))).message).toMatch(/Could not read the git repository/);
  });
});

describe("Zenodo", () => {
  it("resolves a record to itself and a concept DOI to its latest version", async () => {
    expect(await resolve(`10.5281/zenodo.${fixtures.zenodo.recordId}`)).toEqual({
      repoUrl: `${config.zenodo}/records/${fixtures.zenodo.recordId}`,
      resolvedRef: fixtures.zenodo.recordId,
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
    });
    expect((await failure(resolve(`10.4211/hs.${"0".repeat(32)}`))).message).toMatch(/no public resource/);
  });
});

describe("Dataverse", () => {
  it("follows the DOI to a configured installation and pins the dataset version", async () => {
    const { doi, id } = fixtures.dataverse;
    expect(await resolve(doi)).toEqual({ repoUrl: `${config.dataverse[0]}/dataset.xhtml?persistentId=doi:${doi}`, resolvedRef: `${id}.v2.1` });
  });
  it("refuses DOIs that land elsewhere and DOIs that do not exist", async () => {
    expect((await failure(resolve("10.1000/elsewhere"))).message).toMatch(/points to publisher.example.org/);
    expect((await failure(resolve("10.1000/none"))).message).toMatch(/does not exist/);
  });
});

describe("an unreachable provider", () => {
  it("is reported as unavailable, not as a missing repository", async () => {
    const down = { ...config, githubApi: "http://127.0.0.1:9/api/v3" };
    const error = await failure(resolveRepo(parseRepository(`${config.github}/lab/analysis`, "", down), down));
    expect(error.unavailable).toBe(true);
    expect(error.message).toMatch(/could not be reached/);
  });
});
