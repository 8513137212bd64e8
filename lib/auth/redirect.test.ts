import { describe, expect, it } from "vitest";
import { signInDestination } from "./redirect";

describe("where a finished sign-in goes", () => {
  const kiln = "http://127.0.0.1:8000/services/kiln";
  const logout = "http://127.0.0.1:8000/hub/logout";

  it("back to the Kiln page it was asked for, path and query kept", () => {
    expect(signInDestination("/services/kiln/library?view=mine", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/library?view=mine");
    expect(signInDestination("http://127.0.0.1:8000/services/kiln/builds/x", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/builds/x");
    expect(signInDestination("/services/kiln", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln");
  });

  it("to Kiln's home when the callback was lost: next-auth then offers the bare origin, whose Hub root would start a server", () => {
    expect(signInDestination("http://127.0.0.1:8000", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/");
    expect(signInDestination("/", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/");
    expect(signInDestination("/hub/spawn", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/");
  });

  it("never to another site or a look-alike path", () => {
    for (const url of ["https://evil.example/services/kiln/", "//evil.example/services/kiln", "/services/kilnfake/x", "http://127.0.0.1:8001/services/kiln/", "javascript:alert(1)"]) {
      expect(signInDestination(url, kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/");
    }
  });

  it("to the Hub's logout page after signing out, and to no other page of the Hub", () => {
    expect(signInDestination(logout, kiln, logout)).toBe(logout);
    expect(signInDestination("/hub/logout", kiln, logout)).toBe(logout);
    expect(signInDestination("/hub/logout?next=/hub/spawn", kiln, logout)).toBe("http://127.0.0.1:8000/services/kiln/");
  });

  it("on its own host, anywhere on that host", () => {
    const hubLogout = "https://hub.example.org/hub/logout";
    expect(signInDestination("/library", "https://kiln.example.org", hubLogout)).toBe("https://kiln.example.org/library");
    expect(signInDestination("https://hub.example.org/", "https://kiln.example.org", hubLogout)).toBe("https://kiln.example.org/");
    expect(signInDestination(hubLogout, "https://kiln.example.org", hubLogout)).toBe(hubLogout);
  });
});
