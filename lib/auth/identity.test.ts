import { describe, expect, it } from "vitest";
import { kilnUserFromHub } from "./identity";

const scope = "custom:kiln:moderate";

describe("kilnUserFromHub", () => {
  it("maps an ordinary user with groups", () => {
    const user = kilnUserFromHub(
      { kind: "user", name: "alice", admin: false, groups: ["researchers", "a-team"], scopes: ["access:services!service=kiln"] },
      scope,
    );
    expect(user).toEqual({ name: "alice", isAdmin: false, isModerator: false, groups: ["a-team", "researchers"] });
  });

  it("makes a Hub admin a moderator", () => {
    const user = kilnUserFromHub({ kind: "user", name: "admin", admin: true, groups: [], scopes: [] }, scope);
    expect(user.isAdmin).toBe(true);
    expect(user.isModerator).toBe(true);
  });

  it("makes a holder of the moderator scope a moderator without admin", () => {
    const user = kilnUserFromHub({ kind: "user", name: "mod", admin: false, scopes: [scope] }, scope);
    expect(user).toMatchObject({ isAdmin: false, isModerator: true, groups: [] });
  });

  it("does not mistake a longer scope name for the moderator scope", () => {
    const user = kilnUserFromHub({ kind: "user", name: "eve", scopes: [`${scope}ish`] }, scope);
    expect(user.isModerator).toBe(false);
  });

  it("rejects a service token and a nameless profile", () => {
    expect(() => kilnUserFromHub({ kind: "service", name: "kiln" }, scope)).toThrow();
    expect(() => kilnUserFromHub({ kind: "user", name: "" }, scope)).toThrow();
  });
});

describe("kilnUserFromToken", () => {
  const profile = (admin: boolean, scopes: string[]) => ({ kind: "user", name: "someone", admin, groups: [], scopes });
  it("makes an admin's token a moderator only while it still carries admin scopes", async () => {
    const { kilnUserFromToken } = await import("./identity");
    expect(kilnUserFromToken(profile(true, ["admin:users", "access:services"]), "custom:kiln:moderate")).toMatchObject({ isAdmin: true, isModerator: true });
    // A token narrowed for a third-party page (say, only Kiln access) is an ordinary one.
    expect(kilnUserFromToken(profile(true, ["access:services!service=kiln", "read:users:name!user=someone"]), "custom:kiln:moderate")).toMatchObject({ isAdmin: false, isModerator: false });
    expect(kilnUserFromToken(profile(false, ["access:services", "custom:kiln:moderate"]), "custom:kiln:moderate")).toMatchObject({ isAdmin: false, isModerator: true });
  });
});
