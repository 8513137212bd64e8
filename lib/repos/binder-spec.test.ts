import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { imageName } from "@/lib/builds/naming";
import { escapism } from "./escapism";
import { binderSpec, buildSlug, parseLinkSpec, parseRepository, RepoInputError } from "./parse";
import { publicHosts } from "@/test/provider-hosts";

// Cases computed by running BinderHub's own code (see the fixture's "source"): the same spec
// must give the same build slug and image name, so a registry shared with a BinderHub is reused.
const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/binderhub-names.json", import.meta.url), "utf8")) as {
  prefix: string;
  named: { spec: string; resolvedRef: string; buildSlug: string; image: string }[];
  refused: { spec: string; binderhub: string }[];
};

/** Specs BinderHub takes but Kiln refuses at once, with the reason; BinderHub fails them later. */
const refusedEarlier: Record<string, RegExp> = {
  // GitHub names are ASCII; BinderHub asks GitHub and gets a 404.
  "gh/j%C3%BCrgen/r%C3%A9po/HEAD": /GitHub owner/,
  // An unencoded GitLab path: BinderHub asks GitLab for project "group" at ref "project/HEAD".
  "gl/group/project/HEAD": /gl\/group%2Fproject\/ref/,
  // GitLab paths are ASCII too.
  "gl/Gr%C3%BCppe%2FSub%2FProj/HEAD": /GitLab group or project/,
};

const hosts = publicHosts;

describe("image names, as BinderHub computes them", () => {
  for (const vector of fixture.named) {
    const refused = refusedEarlier[vector.spec];
    it(`${vector.spec.slice(0, 90)}`, () => {
      if (refused) {
        expect(() => parseLinkSpec(vector.spec)).toThrow(refused);
        return;
      }
      const parsed = parseLinkSpec(vector.spec);
      const slug = buildSlug(parsed.target, vector.resolvedRef);
      expect(slug).toBe(vector.buildSlug);
      expect(imageName(fixture.prefix, slug, vector.resolvedRef)).toBe(vector.image);
    });
  }

  it("escapes like escapism: uppercase hex, unpadded, every UTF-8 byte", () => {
    expect(escapism("a_b-c.d/é")).toBe("a-5Fb-2Dc-2Ed-2F-C3-A9");
    expect(escapism("tab\there")).toBe("tab-9here");
  });

  it("matches BinderHub's own recorded name for binder-examples/octave", () => {
    const slug = buildSlug(parseLinkSpec("gh/binder-examples/octave/HEAD").target, "1479e0252b2e648bb755ee913292b79495931717");
    expect(imageName("", slug, "1479e0252b2e648bb755ee913292b79495931717")).toBe(
      "binder-2dexamples-2doctave-03025a:1479e0252b2e648bb755ee913292b79495931717",
    );
  });

  it("keeps case apart in the hash, as BinderHub does, while the name is lowercase", () => {
    const upper = imageName("kiln-", "Org-Repo", "a".repeat(40));
    const lower = imageName("kiln-", "org-repo", "a".repeat(40));
    expect(upper).not.toBe(lower);
    expect(upper).toBe(upper.toLowerCase());
  });
});

describe("specs BinderHub refuses", () => {
  for (const vector of fixture.refused) {
    it(`${vector.spec} (${vector.binderhub.slice(0, 60)})`, () => {
      expect(() => parseLinkSpec(vector.spec)).toThrow(RepoInputError);
    });
  }

  it("says which ref a link without one probably meant", () => {
    expect(() => parseLinkSpec("gh/user/repo")).toThrow("Did you mean gh/user/repo/HEAD?");
    expect(() => parseLinkSpec("git/https%3A%2F%2Fexample.org%2Fr.git")).toThrow("git/https%3A%2F%2Fexample.org%2Fr.git/HEAD");
  });

  it("refuses unknown prefixes with what a link looks like", () => {
    expect(() => parseLinkSpec("ckan/https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fx")).toThrow(/Launch links look like/);
  });
});

describe("spec forms met in the wild", () => {
  it("keeps slashes in a GitHub ref and strips trailing slashes", () => {
    expect(parseLinkSpec("gh/user/repo/feature/save_world").ref).toBe("feature/save_world");
    expect(parseLinkSpec("gh/user/repo/feature%2Fx").ref).toBe("feature/x");
    expect(parseLinkSpec("gh/user/repo/HEAD///").ref).toBe("HEAD");
  });

  it("takes a gist's latest revision for an empty ref, and ignores what follows the ref", () => {
    expect(parseLinkSpec("gist/alice/0123abcd")).toMatchObject({ target: { provider: "gist", id: "0123abcd" }, ref: "HEAD" });
    expect(parseLinkSpec("gist/alice/0123abcd/master/extra").ref).toBe("master");
  });

  it("reads HydroShare resource URLs, DOIs and bare ids", () => {
    const id = "142c59757ed54de1816777828c9716e7";
    for (const spec of [`hydroshare/${id}`, `hydroshare/10.4211/hs.${id}`, `hydroshare/https%3A%2F%2Fwww.hydroshare.org%2Fresource%2F${id}%2F`, `hydroshare/https://www.hydroshare.org/resource/${id}`]) {
      expect(parseLinkSpec(spec).target).toEqual({ provider: "hydroshare", resourceId: id });
    }
  });

  it("rewrites scp-like git addresses to ssh URLs", () => {
    expect(parseLinkSpec("git/git%40github.com%3Ajupyterhub%2Fbinderhub/main").target).toEqual({ provider: "git", url: "ssh://git@github.com/jupyterhub/binderhub" });
  });

  it("round-trips every provider through binderSpec", () => {
    const specs = [
      "gh/org/repo/feature/x",
      "gl/group%2Fsub%2Fproject/v1.0",
      "gist/alice/0123abcd/HEAD",
      "git/https%3A%2F%2Fexample.org%3A8443%2Fr.git/main",
      "zenodo/10.5281/zenodo.3242074",
      "figshare/10.6084/m9.figshare.9782777.v1",
      "hydroshare/142c59757ed54de1816777828c9716e7",
      "dataverse/10.7910/DVN/TJCLKP",
    ];
    for (const spec of specs) {
      const parsed = parseLinkSpec(spec);
      expect(binderSpec(parsed.target, parsed.ref)).toBe(spec);
    }
  });

  it("lets the Launch form take a bare org/repo as GitHub, like mybinder.org's form", () => {
    expect(parseRepository("binder-examples/requirements", "", hosts)).toMatchObject({
      target: { provider: "github", owner: "binder-examples", repo: "requirements" },
      ref: "HEAD",
    });
  });
});
