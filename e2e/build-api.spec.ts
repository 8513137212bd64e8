import { expect, test } from "@playwright/test";
import { KilnShell } from "./pages/kiln-shell";
import { binderBuild, jupyterFetch, runOnKernel, type BinderEvent } from "./support/binder-client";
import { repoWithFiles } from "./support/repos";
import { hubApi, hubUserToken, removeAllServers, stackEnv } from "./support/stack";

// BinderHub's build API, consumed by a plain Node client with a user's Hub API token, as Thebe
// and Jupyter Book's launch buttons do: phases in BinderHub's order, then a server URL and a
// token that starts a kernel and runs code, a token limited to that one server and short-lived.

const [alice, bob] = stackEnv().users as [string, string, string];
const ORDER = ["waiting", "fetching", "building", "pushing", "built", "launching", "ready"];

const userToken = async (user: string, body: Record<string, unknown> = {}) => (await hubUserToken(user, body)).token;

/** The distinct phases in the order they first appeared. */
const phases = (events: BinderEvent[]) => events.map((e) => e.phase).filter((phase, i, all) => all.indexOf(phase) === i);

test.afterAll(async () => {
  for (const user of [alice, bob]) await removeAllServers(user);
});

test("a Node client builds, launches and runs 1 + 1 through /build/ with a user's Hub token", async () => {
  test.setTimeout(300_000);
  const repo = repoWithFiles("build-api", { "README.md": "# build api\n" });
  const spec = `git/${encodeURIComponent(repo.url)}/HEAD`;

  const events = await binderBuild(spec, await userToken(alice));
  const seen = phases(events);
  expect(seen.filter((phase) => ORDER.includes(phase))).toEqual(seen);
  expect(seen).toEqual([...seen].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)));
  expect(seen).toEqual(expect.arrayContaining(["waiting", "building", "built", "launching", "ready"]));
  expect(events.some((e) => e.phase === "building" && String(e.message).includes(`building ${repo.name}`))).toBe(true);

  const ready = events.at(-1)!;
  expect(ready).toMatchObject({
    phase: "ready",
    repo_url: repo.url,
    binder_request: `v2/${spec}`,
    binder_persistent_request: `v2/git/${encodeURIComponent(repo.url)}/${repo.sha}`,
    binder_launch_host: `${stackEnv().hubUrl}/services/kiln/`,
    binder_ref_url: repo.url,
  });
  expect(Object.keys(ready)).toEqual(["phase", "message", "image", "repo_url", "token", "binder_ref_url", "binder_launch_host", "binder_request", "binder_persistent_request", "url"]);
  const serverUrl = String(ready.url);
  expect(serverUrl).toMatch(new RegExp(`^${stackEnv().hubUrl}/user/${alice}/[a-z][a-z0-9-]*/$`));
  const serverToken = String(ready.token);
  expect(await runOnKernel(serverUrl, serverToken, "1 + 1")).toBe("2");

  // The token reaches this one server, lives as long as Kiln says, and was made as alice.
  const server = serverUrl.split("/").at(-2)!;
  const tokens = (await (await hubApi(`/users/${alice}/tokens`)).json()) as { api_tokens: { note: string; scopes: string[]; expires_at: string | null }[] };
  const made = tokens.api_tokens.find((t) => t.note.startsWith("Kiln build API") && t.scopes.includes(`access:servers!server=${alice}/${server}`));
  // (The Hub adds the identity scopes every token has: reading alice's own name and groups.)
  expect(made?.scopes).toContain(`access:servers!server=${alice}/${server}`);
  expect(made?.scopes.filter((scope) => !scope.startsWith("read:users:") || !scope.endsWith(`!user=${alice}`))).toEqual([`access:servers!server=${alice}/${server}`]);
  const lifetime = (Date.parse(made!.expires_at!) - Date.now()) / 1000;
  expect(lifetime).toBeGreaterThan(3000);
  expect(lifetime).toBeLessThanOrEqual(3600);

  // Bob's request for the same repository builds nothing and opens his own server.
  const bobEvents = await binderBuild(spec, await userToken(bob));
  expect(phases(bobEvents)).toEqual(["built", "launching", "ready"]);
  expect(bobEvents[0]?.message).toBe("Found built image, launching...\n");
  const bobReady = bobEvents.at(-1)!;
  expect(String(bobReady.url)).toMatch(new RegExp(`^${stackEnv().hubUrl}/user/${bob}/`));
  expect(bobReady.image).toBe(ready.image);

  // A token for another server is refused there; so is one past its expiry.
  expect((await jupyterFetch(String(bobReady.url), "api/kernels", serverToken)).status).toBe(403);
  expect((await jupyterFetch(serverUrl, "api/kernels", String(bobReady.token))).status).toBe(403);
  const shortLived = await userToken(alice, { scopes: [`access:servers!server=${alice}/${server}`], expires_in: 1 });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect((await jupyterFetch(serverUrl, "api/kernels", shortLived)).status).toBe(403);
  expect((await jupyterFetch(serverUrl, "api/kernels", serverToken)).status).toBe(200);

  // The second launch of the same link reuses alice's running server.
  const again = await binderBuild(spec, await userToken(alice));
  expect(again.at(-1)?.url).toBe(serverUrl);
});

test("build_only builds without launching, and a failing repository ends in a failed event", async () => {
  test.setTimeout(180_000);
  const token = await userToken(alice);
  const repo = repoWithFiles("build-only", { "README.md": "# only\n" });
  const events = await binderBuild(`git/${encodeURIComponent(repo.url)}/HEAD`, token, "?build_only=true");
  expect(events.at(-1)).toMatchObject({ phase: "ready", message: "Done! Image built\n" });
  expect(events.some((e) => e.phase === "launching")).toBe(false);

  const broken = repoWithFiles("build-fails", { Dockerfile: "FROM localhost/kiln-singleuser:5.5.4\nRUN exit 3\n" });
  const failed = await binderBuild(`git/${encodeURIComponent(broken.url)}/HEAD`, token);
  expect(failed.at(-1)?.phase).toBe("failed");
  expect(String(failed.at(-1)?.message)).toMatch(/^Build failed: /);

  const refused = await binderBuild("gh/org/repo", token);
  expect(refused).toEqual([{ phase: "failed", status_code: 400, message: "This link does not say which branch, tag or commit to use. Did you mean gh/org/repo/HEAD?\n" }]);
});

test("the build API answers every refusal as BinderHub does: a failed event with the status, never to a session", async ({ page }) => {
  const url = `${stackEnv().hubUrl}/services/kiln/build/gh/org/repo/HEAD`;
  // Refusing the caller is an HTTP refusal too (as BinderHub's own authentication is); the body
  // is still the failed event, for clients that read it.
  const refusal = async (headers: Record<string, string>) => {
    const response = await fetch(url, { headers });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const event = JSON.parse(/^data: (.*)$/m.exec(await response.text())![1]!) as BinderEvent;
    expect(response.status).toBe(event.status_code);
    return event;
  };
  expect(await refusal({ authorization: "token not-a-token" })).toMatchObject({ phase: "failed", status_code: 401 });
  expect(await refusal({})).toMatchObject({ phase: "failed", status_code: 401 });
  const serverOnly = await userToken(alice, { scopes: [`access:servers!server=${alice}/x`] });
  const noAccess = await refusal({ authorization: `Bearer ${serverOnly}` });
  expect(noAccess).toMatchObject({ phase: "failed", status_code: 403 });
  expect(String(noAccess.message)).toContain("access:services!service=kiln");
  // A GET here builds and starts a server: a token narrowed to reading Kiln may not.
  const readOnly = await userToken(alice, { scopes: ["access:services!service=kiln"] });
  const notWrite = await refusal({ authorization: `token ${readOnly}` });
  expect(notWrite).toMatchObject({ phase: "failed", status_code: 403 });
  expect(String(notWrite.message)).toContain("custom:kiln:write");

  // A page on the Hub's origin (another user's server, say) cannot use a visitor's session here.
  await new KilnShell(page).signInThroughHub(alice);
  const answer = await page.evaluate(async (target) => (await fetch(target)).text(), url);
  expect(answer).toContain('"status_code":401');
  expect(answer).toContain("Call this with a Hub API token");
});
