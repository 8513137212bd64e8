import { describe, expect, it } from "vitest";
import { imageName, imageTag, registryOf, safeBuildSlug, splitImageName } from "./naming";

describe("imageName", () => {
  it("matches BinderHub's shape: prefix, escaped slug, short hash, resolved ref", () => {
    const name = imageName("kiln-", "binder-examples-requirements", "a".repeat(40));
    expect(name).toMatch(/^kiln-binder-2dexamples-2drequirements-[0-9a-f]{6}:a{40}$/);
  });

  it("gives different repositories different names even when escaping collides", () => {
    expect(imageName("kiln-", "git-a/b", "x")).not.toBe(imageName("kiln-", "git-a-b", "x"));
  });

  it("is stable for the same repository and version", () => {
    expect(imageName("kiln-", "gh-o-r", "abc")).toBe(imageName("kiln-", "gh-o-r", "abc"));
  });

  it("stays within 255 characters and lowercase for a very long git URL", () => {
    const name = imageName("127.0.0.1:5000/kiln-", `git-https://example.org/${"Very/Long/".repeat(60)}repo.git`, "f".repeat(40));
    const { repository } = splitImageName(name);
    expect(repository.length).toBeLessThanOrEqual(255);
    expect(repository).toBe(repository.toLowerCase());
    expect(repository).toMatch(/^127\.0\.0\.1:5000\/kiln-[a-z0-9-]+-[0-9a-f]{6}$/);
  });
});

describe("imageTag", () => {
  it("keeps SHAs and record versions as BinderHub does, and refuses what no registry could hold", () => {
    expect(imageTag("a".repeat(40))).toBe("a".repeat(40));
    expect(imageTag("9782777.v3")).toBe("9782777.v3");
    expect(imageTag("Dataset_ID.v1.0")).toBe("dataset-id.v1.0");
    expect(() => imageTag("-weird/ref:x")).toThrow();
    expect(() => imageTag("x".repeat(200))).toThrow();
  });
});

describe("splitImageName and registryOf", () => {
  it("tells the registry port from the tag", () => {
    expect(splitImageName("127.0.0.1:5000/kiln-x:abc")).toEqual({ repository: "127.0.0.1:5000/kiln-x", tag: "abc" });
    expect(splitImageName("127.0.0.1:5000/kiln-x")).toEqual({ repository: "127.0.0.1:5000/kiln-x", tag: "latest" });
    expect(registryOf("127.0.0.1:5000/kiln-x:abc")).toBe("127.0.0.1:5000");
    expect(registryOf("registry.example.org/kiln/x:1")).toBe("registry.example.org");
    expect(registryOf("kiln-x:abc")).toBeUndefined();
  });
});
