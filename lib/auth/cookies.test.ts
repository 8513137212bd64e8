import { afterEach, describe, expect, it, vi } from "vitest";

// Kiln's cookie names and paths in each deployment, and a planted duplicate session cookie.

const base = {
  DATABASE_URL: "postgresql://kiln:x@127.0.0.1:5432/kiln",
  JUPYTERHUB_API_URL: "http://127.0.0.1:8081/hub/api",
  JUPYTERHUB_API_TOKEN: "unused-in-this-test-0000",
  NEXTAUTH_SECRET: "x".repeat(32),
};

async function cookiesWith(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [key, value] of Object.entries({ ...base, KILN_PUBLIC_URL: undefined, ...env })) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return import("./cookies");
}

afterEach(() => {
  delete process.env.KILN_PUBLIC_URL;
});

describe("Kiln's cookies", () => {
  it("on the Hub's origin: plain names on the service path only", async () => {
    const cookies = await cookiesWith({ JUPYTERHUB_PUBLIC_URL: "https://hub.example.org", NEXTAUTH_URL: "https://hub.example.org/services/kiln/api/auth" });
    expect(cookies.sessionCookieName()).toBe("kiln-session");
    expect(cookies.cookieOptions()).toMatchObject({ path: "/services/kiln", secure: true, httpOnly: true, sameSite: "lax" });
  });

  it("on a host of its own over https: __Host- names, which no sibling host can plant", async () => {
    const cookies = await cookiesWith({
      JUPYTERHUB_PUBLIC_URL: "https://hub.example.org",
      KILN_PUBLIC_URL: "https://kiln--service.hub.example.org/services/kiln",
      NEXTAUTH_URL: "https://kiln--service.hub.example.org/services/kiln/api/auth",
    });
    expect(cookies.sessionCookieName()).toBe("__Host-kiln-session");
    expect(cookies.xsrfCookieName()).toBe("__Host-_xsrf");
    expect(cookies.cookieOptions()).toMatchObject({ path: "/", secure: true });
    expect(Object.values(cookies.nextAuthCookies()).every((cookie) => cookie.name.startsWith("__Host-"))).toBe(true);
  });

  it("treats a request carrying two session cookies (one planted) as signed out", async () => {
    const cookies = await cookiesWith({ JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:8000", NEXTAUTH_URL: "http://127.0.0.1:8000/services/kiln/api/auth" });
    const { encode } = await import("next-auth/jwt");
    const real = await encode({ token: { sid: "real" }, secret: base.NEXTAUTH_SECRET });
    const planted = await encode({ token: { sid: "planted" }, secret: base.NEXTAUTH_SECRET });
    const jar = { getAll: () => [{ name: "kiln-session", value: real }] };
    const alone = await cookies.decodeSessionCookie({ headers: new Headers({ cookie: `kiln-session=${real}` }), cookies: jar });
    expect(alone?.sid).toBe("real");
    const twice = await cookies.decodeSessionCookie({ headers: new Headers({ cookie: `kiln-session=${planted}; other=1; kiln-session=${real}` }), cookies: jar });
    expect(twice).toBeNull();
  });
});
