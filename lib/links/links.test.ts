import { describe, expect, it } from "vitest";
import { parseLinkSpec, parseRepository } from "@/lib/repos/parse";
import { publicHosts } from "@/test/provider-hosts";
import { badgeSnippets, launchLink, persistentSpec, repositoryInput, specFromSegments, type LinkPathParams, linkInSnippet, openPathFromParams, paramsFromOpenPath, serverPathFor, splitLaunchLink } from "./links";

const open = (params: LinkPathParams) => serverPathFor(openPathFromParams(params), "requirements");

describe("where a link's path parameters open, with the repository in ~/requirements", () => {
  it.each([
    [{}, "lab/tree/requirements"],
    [{ labpath: "notebooks/index.ipynb" }, "lab/tree/requirements/notebooks/index.ipynb"],
    [{ labpath: "a b/ü.ipynb" }, "lab/tree/requirements/a%20b/%C3%BC.ipynb"],
    [{ labpath: "a#b?c.ipynb" }, "lab/tree/requirements/a%23b%3Fc.ipynb"],
    [{ labpath: "dir/" }, "lab/tree/requirements/dir"],
    [{ filepath: "index.ipynb" }, "tree/requirements/index.ipynb"],
    [{ filepath: "a b/c.ipynb" }, "tree/requirements/a%20b/c.ipynb"],
    [{ filepath: "" }, "tree/requirements"],
    [{ urlpath: "lab" }, "lab/tree/requirements"],
    [{ urlpath: "/lab/tree/index.ipynb" }, "lab/tree/requirements/index.ipynb"],
    [{ urlpath: "tree/data" }, "tree/requirements/data"],
    [{ urlpath: "tree" }, "tree/requirements"],
    [{ urlpath: "voila/render/app.ipynb" }, "voila/render/requirements/app.ipynb"],
    [{ urlpath: "doc/tree/x.ipynb" }, "doc/tree/requirements/x.ipynb"],
    [{ urlpath: "rstudio" }, "rstudio"],
    [{ urlpath: "proxy/8050/" }, "proxy/8050/"],
    [{ urlpath: "git-pull?repo=https%3A%2F%2Fgithub.com%2Fa%2Fb&urlpath=lab" }, "git-pull?repo=https%3A%2F%2Fgithub.com%2Fa%2Fb&urlpath=lab"],
    [{ urlpath: "lab?reset" }, "lab/tree/requirements?reset"],
    // BinderHub's precedence: labpath, then filepath, then urlpath.
    [{ urlpath: "rstudio", labpath: "x.ipynb" }, "lab/tree/requirements/x.ipynb"],
    [{ urlpath: "rstudio", filepath: "y.ipynb" }, "tree/requirements/y.ipynb"],
    [{ labpath: "a.ipynb", filepath: "b.ipynb" }, "lab/tree/requirements/a.ipynb"],
  ])("%j → %s", (params, expected) => {
    expect(open(params)).toBe(expected);
  });

  it.each([
    { labpath: "../../.ssh/id_rsa" },
    { filepath: "a/../../b" },
    { urlpath: "lab/%2e%2e/%2e%2e/hub/logout" },
    { urlpath: "../hub/admin" },
    { urlpath: "lab\\..\\hub" },
  ])("never leaves the server: %j", (params) => {
    expect(open(params)).toBeNull();
  });

  it("keeps an absolute URL inside the server instead of following it (BinderHub would leak its token)", () => {
    expect(open({ urlpath: "http://evil.example/x" })).toBe("http:/evil.example/x");
    expect(open({ urlpath: "//evil.example/x" })).toBe("evil.example/x");
  });
});

describe("specs from route segments", () => {
  it("gives the spec as sent whether the segments come encoded or decoded", () => {
    const sent = "git/https%3A%2F%2Fexample.org%2Fr.git/feature%2Fx";
    expect(specFromSegments(["git", "https%3A%2F%2Fexample.org%2Fr.git", "feature%2Fx"])).toBe(sent);
    expect(specFromSegments(["git", "https://example.org/r.git", "feature/x"])).toBe(sent);
    expect(specFromSegments(["gh", "org", "repo", "100%"])).toBe("gh/org/repo/100%25");
  });
});

describe("links and badges", () => {
  const base = "http://127.0.0.1:8000/services/kiln";

  it("writes labpath for files in the repository and urlpath for server paths, and reads them back", () => {
    expect(launchLink(base, "gh/org/repo/HEAD", "notebooks/a b.ipynb")).toBe(`${base}/v2/gh/org/repo/HEAD?labpath=notebooks%2Fa+b.ipynb`);
    expect(launchLink(`${base}/`, "gh/org/repo/HEAD", "/voila/render/app.ipynb")).toBe(`${base}/v2/gh/org/repo/HEAD?urlpath=voila%2Frender%2Fapp.ipynb`);
    expect(launchLink(base, "gh/org/repo/HEAD")).toBe(`${base}/v2/gh/org/repo/HEAD`);
    for (const path of ["notebooks/a b.ipynb", "/voila/render/app.ipynb", "/rstudio", ""]) {
      expect(openPathFromParams(paramsFromOpenPath(path))).toBe(path);
    }
  });

  it("finds the link in every badge snippet it writes, and in mybinder.org's", () => {
    const link = launchLink(base, "git/https%3A%2F%2Fexample.org%2Fr.git/main", "a&b.ipynb");
    const snippets = badgeSnippets(base, link, "Kiln");
    for (const snippet of Object.values(snippets)) expect(linkInSnippet(snippet)).toBe(link);
    expect(snippets.html).toContain("a%26b.ipynb");
    expect(linkInSnippet("[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/org/repo/main?labpath=index.ipynb)")).toBe(
      "https://mybinder.org/v2/gh/org/repo/main?labpath=index.ipynb",
    );
    expect(linkInSnippet(".. image:: https://mybinder.org/badge_logo.svg\n :target: https://mybinder.org/v2/gl/g%2Fp/HEAD?urlpath=lab")).toBe(
      "https://mybinder.org/v2/gl/g%2Fp/HEAD?urlpath=lab",
    );
    expect(linkInSnippet("https://github.com/org/repo")).toBeNull();
  });

  it("splits a pasted link into what the Launch form needs", () => {
    const parts = splitLaunchLink("https://mybinder.org/v2/gh/org/repo/feature/x?urlpath=lab%2Ftree%2Fa.ipynb#top")!;
    expect(parts).toEqual({ spec: "gh/org/repo/feature/x", openPath: "/lab/tree/a.ipynb" });
    expect(parseLinkSpec(parts.spec).ref).toBe("feature/x");
    expect(parseRepository(parts.spec, "", { github: "https://github.com", gist: "", gitlab: "", zenodo: "", figshare: "", hydroshare: "", dataverse: [] }).displayName).toBe("org/repo");
  });
});

describe("the exact version a link can pin, and what the form shows for a link", () => {
  const sha = "a".repeat(40);
  it.each([
    ["gh/org/repo/main", sha, `gh/org/repo/${sha}`],
    ["gl/group%2Fproject/feature/x", sha, `gl/group%2Fproject/${sha}`],
    ["git/https%3A%2F%2Fexample.org%2Fr.git/HEAD", sha, `git/https%3A%2F%2Fexample.org%2Fr.git/${sha}`],
    ["gist/alice/0123abcd", sha, `gist/alice/0123abcd/${sha}`],
    // A concept DOI resolves to the record it names now; an unversioned Figshare DOI to its version.
    ["zenodo/10.5281/zenodo.3242073", "3242074", "zenodo/10.5281/zenodo.3242074"],
    ["figshare/10.6084/m9.figshare.9782777", "9782777.v3", "figshare/10.6084/m9.figshare.9782777.v3"],
    ["dataverse/10.7910/DVN/TJCLKP", "3035124.v4.0", "dataverse/10.7910/DVN/TJCLKP"],
  ])("%s at %s → %s", (spec, resolved, expected) => {
    expect(persistentSpec(parseLinkSpec(spec).target, resolved)).toBe(expected);
  });

  it.each(["gh/org/repo/HEAD", "gl/group%2Fsub%2Fproject/HEAD", "gist/alice/0123abcd/HEAD", "git/git%3A%2F%2F127.0.0.1%3A9418%2Fr.git/HEAD", "zenodo/10.5281/zenodo.1", "figshare/10.6084/m9.figshare.2.v3", "hydroshare/142c59757ed54de1816777828c9716e7", "dataverse/10.7910/DVN/TJCLKP"])(
    "fills the form with something it reads back as the same repository: %s",
    (spec) => {
      const { target } = parseLinkSpec(spec);
      expect(parseRepository(repositoryInput(target, publicHosts), "", publicHosts).target).toEqual(target);
    },
  );
});
