import { describe, expect, it } from "vitest";
import { serverNameBase, serverPathParts, uniqueServerName } from "./naming";

const valid = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

describe("server names", () => {
  it.each([
    ["binder-examples/requirements", "requirements"],
    ["127.0.0.1:9418/demo", "demo"],
    ["group/sub/My_Project.git", "my-project"],
    ["Zenodo record 3242074", "zenodo-record-3242074"],
    ["lab/2024--analysis", "r-2024-analysis"],
    ["org/" + "x".repeat(50), "x".repeat(30)],
  ])("%s → %s", (display, expected) => {
    expect(serverNameBase(display)).toBe(expected);
    expect(serverNameBase(display)).toMatch(valid);
    expect(serverNameBase(display).length).toBeLessThanOrEqual(30);
  });

  it("adds a number when the name is taken, staying within 30 characters", () => {
    expect(uniqueServerName("org/demo", new Set(["demo"]))).toBe("demo-2");
    expect(uniqueServerName("org/demo", new Set(["demo", "demo-2"]))).toBe("demo-3");
    const long = uniqueServerName("org/" + "y".repeat(40), new Set(["y".repeat(30)]));
    expect(long).toBe(`${"y".repeat(28)}-2`);
    expect(long).toMatch(valid);
  });
});

describe("paths opened inside a server", () => {
  it.each([
    "../../../hub/logout",
    "/../../hub/logout",
    "/lab/%2e%2e/%2E%2E/hub/logout",
    "lab/./tree",
    "lab\\..\\..\\hub",
    "lab/%2f..%2fhub",
    "lab/%ZZ",
    "lab/tree/a\u0000b",
  ])("refuses %j", (path) => {
    expect(serverPathParts(path)).toBeNull();
  });

  it.each([
    ["", []],
    ["/lab/tree/notebooks/a b.ipynb", ["lab", "tree", "notebooks", "a b.ipynb"]],
    ["/voila/render/x.ipynb?voila-theme=dark", ["voila", "render", "x.ipynb"]],
    ["notebooks/index.ipynb", ["notebooks", "index.ipynb"]],
    ["..hidden/file", ["..hidden", "file"]],
  ])("keeps %j inside the server", (path, segments) => {
    expect(serverPathParts(path)?.segments).toEqual(segments);
  });
});
