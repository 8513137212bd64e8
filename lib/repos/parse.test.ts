import { describe, expect, it } from "vitest";
import { binderSpec, buildSlug, parseRepository, RepoInputError } from "./parse";
import { publicHosts } from "@/test/provider-hosts";

const hosts = publicHosts;
const parse = (input: string, ref = "") => parseRepository(input, ref, hosts);

describe("GitHub", () => {
  it("reads repository URLs with and without .git, defaulting to HEAD", () => {
    expect(parse("https://github.com/binder-examples/requirements")).toEqual({
      target: { provider: "github", owner: "binder-examples", repo: "requirements" },
      ref: "HEAD",
      displayName: "binder-examples/requirements",
    });
    expect(parse("https://github.com/org/repo.git").target).toEqual({ provider: "github", owner: "org", repo: "repo" });
  });

  it("takes the ref from a tree URL, unless one is typed", () => {
    expect(parse("https://github.com/org/repo/tree/feature/x").ref).toBe("feature/x");
    expect(parse("https://github.com/org/repo/tree/feature/x", "v1.0").ref).toBe("v1.0");
  });

  it("reads Binder specs and launch links", () => {
    expect(parse("gh/org/repo/main")).toMatchObject({ target: { provider: "github", owner: "org", repo: "repo" }, ref: "main" });
    expect(parse("https://mybinder.org/v2/gh/org/repo/feature%2Fx?urlpath=lab").ref).toBe("feature/x");
  });

  it("follows a configured GitHub Enterprise host", () => {
    const enterprise = { ...hosts, github: "https://git.example.edu" };
    expect(parseRepository("https://git.example.edu/lab/analysis", "", enterprise).target.provider).toBe("github");
    expect(parseRepository("https://github.com/lab/analysis", "", enterprise).target.provider).toBe("git");
  });

  it("needs an owner and a repository", () => {
    expect(() => parse("https://github.com/org")).toThrow(/needs an owner and a repository/);
  });
});

describe("GitLab", () => {
  it("reads nested groups and the ref of a tree URL", () => {
    expect(parse("https://gitlab.com/group/sub/project/-/tree/dev")).toMatchObject({
      target: { provider: "gitlab", project: "group/sub/project" },
      ref: "dev",
    });
  });
  it("reads the gl/ spec with its URL-encoded project", () => {
    expect(parse("gl/group%2Fproject/v2")).toMatchObject({ target: { provider: "gitlab", project: "group/project" }, ref: "v2" });
  });
});

describe("Gist", () => {
  it("reads user/id URLs and specs", () => {
    expect(parse("https://gist.github.com/alice/0123abcd").target).toEqual({ provider: "gist", owner: "alice", id: "0123abcd" });
    expect(parse("gist/alice/0123abcd/HEAD").target).toEqual({ provider: "gist", owner: "alice", id: "0123abcd" });
  });
});

describe("plain git", () => {
  it("accepts https, git, ssh and scp-like URLs", () => {
    expect(parse("https://git.example.org/lab/repo.git").target).toEqual({ provider: "git", url: "https://git.example.org/lab/repo.git" });
    expect(parse("git://127.0.0.1:9418/demo.git").target).toEqual({ provider: "git", url: "git://127.0.0.1:9418/demo.git" });
    expect(parse("ssh://git@host.example/repo.git").target.provider).toBe("git");
    // As BinderHub: scp-like addresses become ssh:// URLs, so git receives one grammar.
    expect(parse("git@host.example:lab/repo.git")).toMatchObject({ target: { provider: "git", url: "ssh://git@host.example/lab/repo.git" }, displayName: "host.example/lab/repo" });
  });
  it("round-trips through the git/ spec", () => {
    const spec = binderSpec({ provider: "git", url: "https://git.example.org/lab/repo.git" }, "main");
    expect(spec).toBe("git/https%3A%2F%2Fgit.example.org%2Flab%2Frepo.git/main");
    expect(parse(spec)).toMatchObject({ target: { provider: "git", url: "https://git.example.org/lab/repo.git" }, ref: "main" });
  });
});

describe("DOIs and records", () => {
  it("recognises Zenodo DOIs, doi.org links and record URLs", () => {
    for (const input of ["10.5281/zenodo.3242074", "doi:10.5281/zenodo.3242074", "https://doi.org/10.5281/zenodo.3242074", "https://zenodo.org/records/3242074", "https://zenodo.org/record/3242074", "zenodo/10.5281/zenodo.3242074"]) {
      expect(parse(input).target, input).toEqual({ provider: "zenodo", recordId: "3242074" });
    }
    expect(parse("10.5281/zenodo.3242074").ref).toBe("");
  });
  it("recognises Figshare with and without a version", () => {
    expect(parse("10.6084/m9.figshare.9782777.v3").target).toEqual({ provider: "figshare", articleId: "9782777", version: "3" });
    expect(parse("https://figshare.com/articles/dataset/Binder-ready/9782777").target).toEqual({ provider: "figshare", articleId: "9782777", version: undefined });
    expect(parse("https://figshare.com/articles/dataset/Binder-ready/9782777/2").target).toMatchObject({ version: "2" });
  });
  it("recognises HydroShare resources", () => {
    const id = "b8f6eae9d89241cf8b5904033460af61";
    expect(parse(`https://www.hydroshare.org/resource/${id}/`).target).toEqual({ provider: "hydroshare", resourceId: id });
    expect(parse(`10.4211/hs.${id}`).target).toEqual({ provider: "hydroshare", resourceId: id });
  });
  it("takes other DOIs and dataset pages of configured installations as Dataverse", () => {
    expect(parse("10.7910/DVN/TJCLKP").target).toEqual({ provider: "dataverse", doi: "10.7910/DVN/TJCLKP" });
    expect(parse("https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/TJCLKP").target).toEqual({
      provider: "dataverse",
      doi: "10.7910/DVN/TJCLKP",
      host: "dataverse.harvard.edu",
    });
  });
});

describe("bad input", () => {
  it("explains what to paste", () => {
    expect(() => parse("")).toThrow(RepoInputError);
    expect(() => parse("not a repository")).toThrow(/Paste a repository URL/);
    expect(() => parse("ftp://example.org/repo")).toThrow(/ftp: URLs are not supported/);
    expect(() => parse("https://zenodo.org/communities/x")).toThrow(/zenodo.org\/records/);
  });
  it("blames the ref field for a bad ref", () => {
    try {
      parse("gh/org/repo/main", "two words");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RepoInputError);
      expect((error as RepoInputError).field).toBe("ref");
    }
    expect(() => parse("gh/org/repo/main", "--upload-pack=evil")).toThrow(/cannot start with -/);
  });
});

describe("fetching safety", () => {
  it("refuses a backslash that makes git and WHATWG disagree on the host", () => {
    // WHATWG sees host github.com; git (curl) connects to localhost:9555.
    expect(() => parse("git/http%3A%2F%2Fgithub.com%5C%40localhost%3A9555%2Fx/HEAD")).toThrow(/backslash/);
    expect(() => parse("http://github.com\\@localhost:9555/x")).toThrow(RepoInputError);
    expect(() => parse("https://github.com\\@localhost:9555/o/r")).toThrow(RepoInputError);
  });

  it("refuses file:// and schemes BinderHub does not allow, as URLs and inside git/ specs", () => {
    for (const input of ["file:///srv/repo.git", "git/file%3A%2F%2F%2Fsrv%2Frepo.git/HEAD", "git/git%2Bssh%3A%2F%2Fh.example%2Fr/HEAD", "https://mybinder.org/v2/git/file%3A%2F%2F%2Fsrv%2Fr.git/HEAD"]) {
      expect(() => parse(input), input).toThrow(/URLs are not supported/);
    }
  });

  it("refuses credentials with a message, and never repeats them", () => {
    for (const input of [
      "http://user:secret@host.example/repo",
      "https://secret@host.example/repo.git",
      "git/https%3A%2F%2Fuser%3Asecret%40host.example%2Frepo/HEAD",
      "https://user:secret@github.com/org/repo",
    ]) {
      try {
        parse(input);
        expect.unreachable(input);
      } catch (error) {
        expect(error, input).toBeInstanceOf(RepoInputError);
        expect((error as Error).message).toMatch(/builds only public repositories; remove the user name and password/);
        expect((error as Error).message).not.toContain("secret");
      }
    }
  });

  it("keeps an ssh user name out of the display name and never lets a user name read as an option", () => {
    const parsed = parse("ssh://git@host.example/lab/r.git");
    expect(parsed.displayName).toBe("host.example/lab/r");
    expect(() => parse("--help@github.com:org/repo")).toThrow(RepoInputError);
    expect(() => parse("git/--help%40github.com%3Aorg%2Frepo/HEAD")).toThrow(RepoInputError);
    expect(() => parse("-ohttps://x.example/r.git")).toThrow(RepoInputError);
  });

  it.each([
    "gl/%ZZ/x",
    "git/%E0%A4%A/HEAD",
    "gh/org/repo/%ZZ",
    "https://github.com/%ZZ/repo",
    "https://gitlab.com/group/%E0%A4%A/-/tree/main",
    "zenodo/10.5281%ZZ",
    "http://[::1/x.git",
    "http://[host:80]/x.git",
    "https://[github.com:443]/o/r",
    "git/http%3A%2F%2F%5Bhost%3A80%5D%2Fx/HEAD",
    "git/http%3A%2F%2F%5B%3A%3A1%2Fx/HEAD",
    "git/%5B%3A%3A1%5D/HEAD",
    "http://h.example:99999/x.git",
    "gh/org%2F..%2Fx/repo",
    "gh/org/repo/main%00",
  ])("answers %s with a RepoInputError, never another error", (input) => {
    expect(() => parse(input)).toThrow(RepoInputError);
  });

  it("checks GitHub, GitLab and Gist names before they go into a URL", () => {
    expect(() => parse("https://github.com/org%2F..%2F..%2Fx/repo")).toThrow(/can only have letters/);
    expect(() => parse("gl/group%2F..%2Fproject/main")).toThrow(RepoInputError);
    expect(() => parse("gist/alice/..%2Fx/HEAD")).toThrow(RepoInputError);
  });
});

describe("specs and slugs", () => {
  it("writes Binder specs per provider", () => {
    expect(binderSpec({ provider: "github", owner: "o", repo: "r" }, "feature/x")).toBe("gh/o/r/feature/x");
    expect(binderSpec({ provider: "gitlab", project: "g/p" }, "main")).toBe("gl/g%2Fp/main");
    expect(binderSpec({ provider: "zenodo", recordId: "1" }, "")).toBe("zenodo/10.5281/zenodo.1");
  });
  it("names builds like BinderHub's slugs", () => {
    expect(buildSlug({ provider: "github", owner: "o", repo: "r" }, "a".repeat(40))).toBe("o-r");
    expect(buildSlug({ provider: "git", url: "git://h/x.git" }, "a".repeat(40))).toBe("git://h/x.git");
  });
});
