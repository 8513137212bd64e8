import { describe, expect, it } from "vitest";
import { serverNameBase, uniqueServerName } from "./naming";

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
