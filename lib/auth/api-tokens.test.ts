import { describe, expect, it } from "vitest";
import { bearerToken, grantsServiceAccess, grantsWrite } from "./api-tokens";

describe("Hub API tokens in requests", () => {
  it("reads both schemes JupyterHub accepts, in any case, and nothing else", () => {
    expect(bearerToken("token abc123")).toBe("abc123");
    expect(bearerToken("Bearer abc123")).toBe("abc123");
    expect(bearerToken("TOKEN   abc123  ")).toBe("abc123");
    expect(bearerToken("Basic YWxpY2U6cGFzcw==")).toBeNull();
    expect(bearerToken("token")).toBeNull();
    expect(bearerToken("token a b")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });

  it("accepts a token only when its scopes reach this service", () => {
    expect(grantsServiceAccess(["access:services!service=kiln", "read:users:name!user=alice"], "kiln")).toBe(true);
    expect(grantsServiceAccess(["access:services"], "kiln")).toBe(true);
    expect(grantsServiceAccess(["access:services!service=kiln-other"], "kiln")).toBe(false);
    expect(grantsServiceAccess(["access:servers!server=alice/x", "read:users:name!user=alice"], "kiln")).toBe(false);
    expect(grantsServiceAccess([], "kiln")).toBe(false);
  });

  it("lets a token change things only with the write scope, for its own user", () => {
    expect(grantsWrite(["access:services!service=kiln", "custom:kiln:write"], "custom:kiln:write", "alice")).toBe(true);
    expect(grantsWrite(["custom:kiln:write!user=alice"], "custom:kiln:write", "alice")).toBe(true);
    expect(grantsWrite(["custom:kiln:write!user=bob"], "custom:kiln:write", "alice")).toBe(false);
    expect(grantsWrite(["custom:kiln:write!group=researchers"], "custom:kiln:write", "alice")).toBe(false);
    expect(grantsWrite(["access:services!service=kiln", "custom:kiln:moderate"], "custom:kiln:write", "alice")).toBe(false);
    expect(grantsWrite(["custom:kiln:writer"], "custom:kiln:write", "alice")).toBe(false);
  });
});
