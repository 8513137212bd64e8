import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { runOnKernel } from "./support/binder-client";
import { repoWithFiles } from "./support/repos";
import { hubApi, hubUserToken, removeAllServers, stackEnv } from "./support/stack";

// Every API route accepts a user's Hub API token (Authorization: token … or Bearer …), as
// JupyterHub services do; tokens need no CSRF proof but must grant access to Kiln. Other sites
// may use the API only from the origins Kiln lists, with a token, never with the visitor's cookies.

const { hubUrl, users } = stackEnv();
const [alice, bob] = users as [string, string];
const api = `${hubUrl}/services/kiln/api`;
const allowedOrigin = `http://127.0.0.1:${process.env.KILN_E2E_CORS_PORT ?? 9419}`;

test.afterAll(async () => {
  await removeAllServers(alice);
});

const userToken = hubUserToken;

test("a Hub API token works on every kind of API route, as its owner only", async () => {
  const { token } = await userToken(alice);
  const me = await fetch(`${api}/me`, { headers: { authorization: `token ${token}` } });
  expect(me.status).toBe(200);
  expect(((await me.json()) as { name: string }).name).toBe(alice);

  // A state change needs no CSRF token with a token: no browser sends it on its own.
  const repo = repoWithFiles("token-build", { "README.md": "# t\n" });
  const created = await fetch(`${api}/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ repository: repo.url }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { build } = (await created.json()) as { build: { id: string } };

  const { token: bobToken } = await userToken(bob);
  const foreign = await fetch(`${api}/builds/${build.id}`, { headers: { authorization: `token ${bobToken}` } });
  expect(foreign.status).toBe(403);
  expect((await fetch(`${api}/library`, { headers: { authorization: `token ${bobToken}` } })).status).toBe(200);

  // What is refused, and how. Another scheme (Basic, from a proxy in front) is not Kiln's: ignored.
  const basic = await fetch(`${api}/me`, { headers: { authorization: "Basic YWxpY2U6cGFzcw==" } });
  expect(basic.status).toBe(401);
  expect(((await basic.json()) as { code: string }).code).toBe("not_signed_in");
  const serverOnly = await userToken(alice, { scopes: [`access:servers!server=${alice}/x`] });
  expect((await fetch(`${api}/me`, { headers: { authorization: `token ${serverOnly.token}` } })).status).toBe(403);
  const madeUp = await fetch(`${api}/me`, { headers: { authorization: "token not-a-real-token-at-all" } });
  expect(madeUp.status).toBe(401);
  expect(((await madeUp.json()) as { code: string }).code).toBe("invalid_token");
  // On a public route a token that does not check out leaves the caller anonymous.
  expect((await fetch(`${api}/health`, { headers: { authorization: "token not-a-real-token-at-all" } })).status).toBe(200);
});

test("a token narrowed to reading Kiln reads everything its owner may, and changes nothing", async () => {
  const full = await userToken(alice);
  const readOnly = await userToken(alice, { scopes: ["access:services!service=kiln"] });
  const as = (token: string, init: RequestInit = {}) => ({ ...init, headers: { authorization: `token ${token}`, "content-type": "application/json", ...init.headers } });
  const repo = repoWithFiles("read-only", { "README.md": "# r\n" });

  // Reading works as with the full token.
  expect(((await (await fetch(`${api}/me`, as(readOnly.token))).json()) as { name: string }).name).toBe(alice);
  expect((await fetch(`${api}/library`, as(readOnly.token))).status).toBe(200);

  // A build asked with it is refused, says which scope is missing, and makes nothing.
  const refused = await fetch(`${api}/builds`, as(readOnly.token, { method: "POST", body: JSON.stringify({ repository: repo.url }) }));
  expect(refused.status).toBe(403);
  const problem = (await refused.json()) as { code: string; detail: string };
  expect(problem.code).toBe("token_read_only");
  expect(problem.detail).toContain("custom:kiln:write");
  const library = async () => ((await (await fetch(`${api}/library?q=${repo.name}`, as(full.token))).json()) as { entries: unknown[] }).entries.length;
  expect(await library()).toBe(0);

  // The same request with the full token builds; the read-only one may then read the build but not cancel it.
  const created = await fetch(`${api}/builds`, as(full.token, { method: "POST", body: JSON.stringify({ repository: repo.url }) }));
  expect(created.status, await created.clone().text()).toBe(201);
  const { build } = (await created.json()) as { build: { id: string } };
  expect((await fetch(`${api}/builds/${build.id}`, as(readOnly.token))).status).toBe(200);
  const cancel = await fetch(`${api}/builds/${build.id}/cancel`, as(readOnly.token, { method: "POST" }));
  expect(cancel.status).toBe(403);
  expect(((await fetch(`${api}/builds/${build.id}`, as(full.token)).then((r) => r.json())) as { status: string }).status).not.toBe("cancelled");
  expect(await library()).toBe(1);

});

test("a revoked token stops working within Kiln's 30-second cache", async () => {
  test.setTimeout(90_000);
  const { token, id } = await userToken(alice);
  expect((await fetch(`${api}/me`, { headers: { authorization: `token ${token}` } })).status).toBe(200);
  expect((await hubApi(`/users/${alice}/tokens/${id}`, { method: "DELETE" })).status).toBe(204);
  await expect.poll(async () => (await fetch(`${api}/me`, { headers: { authorization: `token ${token}` } })).status, { timeout: 45_000, intervals: [5000] }).toBe(401);
});

/** Serves a page on `port` that calls Kiln's API from the browser, as Thebe on a book's site would. */
async function thirdPartySite(port: number): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<!doctype html><title>A book</title><h1>A book</h1>");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${bound}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("only listed origins may call the API from a browser, with a token and never with cookies", { lock: "listed-site-port" }, async ({ page }) => {
  const { token } = await userToken(alice);
  const listed = await thirdPartySite(Number(new URL(allowedOrigin).port));
  const other = await thirdPartySite(0);
  try {
    const call = (credentials: RequestCredentials) =>
      page.evaluate(
        async ({ url, token, credentials }) => {
          try {
            const response = await fetch(url, { headers: { authorization: `token ${token}` }, credentials });
            return `${response.status} ${((await response.json()) as { name?: string }).name ?? ""}`;
          } catch (error) {
            return `blocked: ${(error as Error).name}`;
          }
        },
        { url: `${api}/me`, token, credentials },
      );
    await page.goto(listed.origin);
    expect(await call("omit")).toBe(`200 ${alice}`);
    // Credentials (the visitor's Kiln cookies) are not allowed cross-origin, even from a listed site.
    expect(await call("include")).toBe("blocked: TypeError");
    await page.goto(other.origin);
    expect(await call("omit")).toBe("blocked: TypeError");
  } finally {
    await listed.close();
    await other.close();
  }
});

test("a Thebe-like page on a listed site builds, launches and talks to the kernel from the browser", { lock: "listed-site-port" }, async ({ page }) => {
  test.setTimeout(240_000);
  const { token } = await userToken(alice);
  const repo = repoWithFiles("thebe", { "README.md": "# thebe\n" });
  const site = await thirdPartySite(Number(new URL(allowedOrigin).port));
  try {
    await page.goto(site.origin);
    // EventSource cannot send a token, so a browser client reads the stream with fetch, then
    // uses the server's REST API with the token, cross-origin (the server allows Kiln's origins).
    const result = await page.evaluate(
      async ({ kiln, spec, token }) => {
        const response = await fetch(`${kiln}/build/${spec}`, { headers: { authorization: `token ${token}` } });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        let last: { phase: string; url?: string; token?: string; message?: string } | undefined;
        while (!last || (last.phase !== "ready" && last.phase !== "failed")) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
            const data = buffer.slice(0, end).split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
            buffer = buffer.slice(end + 2);
            if (data) last = JSON.parse(data);
          }
        }
        await reader.cancel();
        if (last?.phase !== "ready") return { error: `not ready: ${last?.message}` };
        const started = await fetch(`${last.url}api/kernels`, { method: "POST", headers: { authorization: `token ${last.token}`, "content-type": "application/json" }, body: "{}" });
        const kernel = (await started.json()) as { id: string };
        const status = await fetch(`${last.url}api/kernels/${kernel.id}`, { headers: { authorization: `token ${last.token}` } });
        return { url: last.url!, token: last.token!, kernelId: kernel.id, started: started.status, status: status.status };
      },
      { kiln: `${hubUrl}/services/kiln`, spec: `git/${encodeURIComponent(repo.url)}/HEAD`, token },
    );
    expect(result).toMatchObject({ started: 201, status: 200 });
    if (!("kernelId" in result) || !result.kernelId) throw new Error(String("error" in result ? result.error : "no kernel"));
    // The kernel's WebSocket as Thebe opens it: ?token= and the headers a browser sends over
    // https (this Chromium sends no Sec-Fetch-Mode on plain ws://, so JupyterHub would not take
    // a token in the URL from it; every real Hub is served over https).
    expect(await runOnKernel(result.url, result.token, "1 + 1", { kernelId: result.kernelId, browser: { origin: site.origin } })).toBe("2");
  } finally {
    await site.close();
  }
});
