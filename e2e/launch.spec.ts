import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { JupyterServer } from "./pages/jupyter";
import { signedIn } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { LibraryPage } from "./pages/library-page";
import { repoWithFiles } from "./support/repos";
import { binderBuild } from "./support/binder-client";
import { kilnRequest } from "./support/kiln-api";
import { hubApi, hubUserToken, engineCli, engineHasImage, registryFetch, removeAllServers, runsAlone, serverImage, stackEnv, stackMode, stackScript } from "./support/stack";

const { users } = stackEnv();
const [alice, bob] = users as [string, string];

test.describe.configure({ timeout: 240_000 });

test.beforeEach(async () => {
  await removeAllServers(alice);
  await removeAllServers(bob);
});

/** Builds `url` as `user` from the Launch form; resolves with the build id once built. */
async function buildAs(page: import("@playwright/test").Page, url: string, launch = false, openPath = ""): Promise<string> {
  const form = new LaunchPage(page);
  await form.open();
  if (launch) await page.getByLabel(/Launch it when/).check();
  await form.path.fill(openPath);
  const id = await form.build(url);
  if (!launch) await new BuildPage(page).expectPhase("Built");
  return id;
}


test("files in the home follow the user into every image and every launch", { tag: ["@kubernetes", "@engine"] }, async ({ browser }) => {
  const first = repoWithFiles("home-a", { "analysis.py": "print('original')\n" });
  const second = repoWithFiles("home-b", { "other.txt": "other\n" });
  const { context, page } = await signedIn(browser, alice);

  // Build and launch from the form: the browser ends in JupyterLab, at the file asked for, in
  // a folder of the home named after the repository.
  await buildAs(page, first.url, true, "analysis.py");
  let jupyter = await JupyterServer.fromPage(page, context);
  const folder = first.name;
  await expect(page).toHaveURL(new RegExp(`/lab/tree/${folder}/analysis\\.py$`));
  expect(await jupyter.read(`${folder}/analysis.py`)).toBe("print('original')\n");
  const note = `written at ${Date.now()}`;
  await jupyter.write("kiln-note.txt", note);
  await jupyter.write(`${folder}/analysis.py`, "print('edited')\n");

  // Stop it from the Servers page.
  await page.goto(`${stackEnv().hubUrl}/services/kiln/servers`);
  const row = page.getByTestId("server-row").first();
  await row.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByTestId("servers-notice")).toContainText("stopped");

  // A different image sees the same home.
  await buildAs(page, second.url, true);
  jupyter = await JupyterServer.fromPage(page, context);
  expect(await jupyter.read("kiln-note.txt")).toBe(note);

  // Launching the first image again keeps the edit: repository files never overwrite the home.
  const library = new LibraryPage(page);
  await library.open("My images", first.name);
  await library.launch(`127.0.0.1:${stackEnv().gitPort}/${first.name}`);
  jupyter = await JupyterServer.fromPage(page, context);
  expect(await jupyter.read(`${folder}/analysis.py`)).toBe("print('edited')\n");
  await context.close();
});

test("a private image stays private until shared, and the Hub itself refuses it to others", { tag: ["@kubernetes", "@engine"] }, async ({ browser }) => {
  const repo = repoWithFiles("private", { "data.csv": "a,b\n" });
  const owner = await signedIn(browser, alice);
  await buildAs(owner.page, repo.url);
  const image = (await (await owner.page.request.get("api/library")).json()).entries[0].imageName as string;

  const other = await signedIn(browser, bob);
  const library = new LibraryPage(other.page);
  await library.open("Shared with everyone");
  await expect(other.page.getByRole("heading", { name: "Nothing shared matches" }).or(other.page.getByTestId("library-repo").first())).toBeVisible();
  await expect(library.repository(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`)).toHaveCount(0);

  // Bob asks the Hub directly, with his own token, for a server running Alice's private image.
  await other.page.goto(`${stackEnv().hubUrl}/hub/token`);
  const xsrf = (await other.context.cookies()).find((c) => c.name === "_xsrf" && c.path.startsWith("/hub"))?.value ?? "";
  const created = await other.page.request.post(`${stackEnv().hubUrl}/hub/api/users/${bob}/tokens`, {
    headers: { "X-XSRFToken": xsrf },
    data: { note: "e2e: calling the Hub directly", expires_in: 600 },
  });
  const token = ((await created.json()) as { token?: string }).token;
  expect(token, "the test needs a token for bob").toBeTruthy();
  const direct = await fetch(`http://127.0.0.1:8081/hub/api/users/${bob}/servers/sneaky`, {
    method: "POST",
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ image }),
  });
  expect(direct.status).toBeGreaterThanOrEqual(400);
  expect(await direct.text()).toMatch(/not in (the )?allowed list/);

  // Shared: Bob finds it, with who shared it, and may launch it.
  const mine = new LibraryPage(owner.page);
  await mine.open();
  await mine.share(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`);
  await library.open("Shared with everyone");
  const entry = library.entry(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`);
  await expect(entry).toContainText(alice);
  await library.launch(`127.0.0.1:${stackEnv().gitPort}/${repo.name}`);
  await JupyterServer.fromPage(other.page, other.context);
  await owner.context.close();
  await other.context.close();
});

test("a start through the Hub that names no image runs the default image, not the one before", { tag: ["@kubernetes", "@engine"] }, async ({ browser }) => {
  const repo = repoWithFiles("sticky", { "s.txt": "s\n" });
  const { context, page } = await signedIn(browser, alice);
  await buildAs(page, repo.url, true);
  await JupyterServer.fromPage(page, context);
  const user = (await (await hubApi(`/users/${alice}`)).json()) as { servers: Record<string, { user_options?: { image?: string } }> };
  const [name, server] = Object.entries(user.servers).find(([key]) => key !== "")!;
  const image = server.user_options!.image!;
  expect(await serverImage(alice, name)).toBe(image);

  // Stopped, then started again through the Hub's API with no image: a banned or unshared image
  // must not come back this way.
  await hubApi(`/users/${alice}/servers/${name}`, { method: "DELETE" });
  await expect.poll(async () => ((await (await hubApi(`/users/${alice}`)).json()) as { servers: Record<string, unknown> }).servers[name], { timeout: 60_000 }).toBeUndefined();
  const started = await hubApi(`/users/${alice}/servers/${name}`, { method: "POST", body: "{}" });
  expect([201, 202]).toContain(started.status);
  await expect
    .poll(async () => ((await (await hubApi(`/users/${alice}`)).json()) as { servers: Record<string, { ready: boolean }> }).servers[name]?.ready, { timeout: 120_000 })
    .toBe(true);
  expect(await serverImage(alice, name)).toBe(process.env.KILN_SINGLEUSER_IMAGE ?? "localhost/kiln-singleuser:5.5.4");
  await context.close();
});

test("an image only in the registry (gone from the engine) is pulled by the engine when launched", { tag: "@engine" }, async () => {
  const repo = repoWithFiles("pull", { "pulled.txt": "from the registry\n" });
  const spec = `git/${encodeURIComponent(repo.url)}/HEAD`;
  const { token } = await hubUserToken(alice);
  const built = await binderBuild(spec, token, "?build_only=true");
  expect(built.at(-1)?.phase).toBe("ready");
  const image = String(built.at(-1)?.imageName ?? "");
  expect(image).toContain("/kiln-");
  await engineCli("rmi", image);
  expect(await engineHasImage(image)).toBe(false);

  // The Hub's spawner asks the engine to pull it, with the engine's own credentials for the registry.
  const launched = await binderBuild(spec, token);
  expect(launched.at(-1)).toMatchObject({ phase: "ready" });
  expect(await engineHasImage(image)).toBe(true);
});

test("deleting removes the engine image only when no library and no server uses it", { tag: ["@kubernetes", "@engine"] }, async ({ browser }) => {
  const repo = repoWithFiles("delete", { "x.txt": "x\n" });
  const display = `127.0.0.1:${stackEnv().gitPort}/${repo.name}`;
  const a = await signedIn(browser, alice);
  const b = await signedIn(browser, bob);
  await buildAs(a.page, repo.url);
  await buildAs(b.page, repo.url); // ready at once: the same image joins Bob's library
  const image = (await (await a.page.request.get("api/library")).json()).entries.find((e: { displayName: string }) => e.displayName === display).imageName as string;

  // While Alice runs it, she cannot delete it.
  const libraryA = new LibraryPage(a.page);
  await libraryA.open();
  await libraryA.launch(display);
  await JupyterServer.fromPage(a.page, a.context);
  await libraryA.open();
  await libraryA.delete(display);
  await expect(libraryA.notice).toContainText(/A server is running from this image \(your server [a-z0-9-]+\)/);
  // Bob is refused too, and is not told whose server it is.
  const libraryB = new LibraryPage(b.page);
  await libraryB.open();
  await libraryB.delete(display);
  await expect(libraryB.notice).toContainText("A server is running from this image (someone's server)");
  await expect(libraryB.notice).not.toContainText(alice);
  await removeAllServers(alice);

  await libraryA.delete(display);
  await expect(libraryA.notice).toContainText("The image stays: 1 other library uses it.");
  expect(await engineHasImage(image)).toBe(true);

  await libraryB.open();
  await libraryB.delete(display);
  // In Kubernetes mode Kiln has no engine: the registry is where the image lives (nodes' caches are the kubelet's).
  if (stackMode() === "kubernetes") {
    await expect(libraryB.notice).toContainText("the image was deleted from the registry");
  } else {
    await expect(libraryB.notice).toContainText("the image was deleted from the engine and the registry");
    expect(await engineHasImage(image)).toBe(false);
  }
  const [registry, ...rest] = image.split("/");
  const [name, tag] = rest.join("/").split(":");
  const head = await registryFetch(`http://${registry}/v2/${name}/manifests/${tag}`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
  });
  expect(head.status, "the registry copy is gone too").toBe(404);
  await a.context.close();
  await b.context.close();
});

test("reaching the named-server limit is explained in words", async ({ browser }) => {
  // Four builds one after another (one running build per person): minutes when specs run side by side.
  test.setTimeout(480_000);
  const limit = Number(process.env.KILN_NAMED_SERVER_LIMIT ?? 3);
  const repos = Array.from({ length: limit + 1 }, (_, i) => repoWithFiles(`limit${i}`, { "n.txt": `${i}\n` }));
  const { context, page } = await signedIn(browser, bob);
  for (const repo of repos) await buildAs(page, repo.url);
  const entries = (await (await page.request.get("api/library")).json()).entries as { id: number; displayName: string }[];
  const ids = repos.map((repo) => entries.find((e) => e.displayName.endsWith(repo.name))!.id);
  for (const id of ids.slice(0, limit)) {
    const response = await kilnRequest(page, "POST", "api/launches", { entryId: id });
    expect(response.ok(), await response.text()).toBe(true);
  }
  const library = new LibraryPage(page);
  await library.open("My images", repos[limit]!.name);
  await library.launch(`127.0.0.1:${stackEnv().gitPort}/${repos[limit]!.name}`);
  await expect(page.getByTestId("launch-error")).toContainText(`maximum of ${limit} named servers`);
  await expect(page.getByTestId("launch-error")).toContainText("Stop and remove a server on the Servers page");
  await context.close();
});

test("the library tells when a branch has moved, rebuilds a new version, marks the latest, and offers to share it like the old one", async ({ browser }) => {
  const repo = repoWithFiles("moving", { "v.txt": "one\n" });
  const display = `127.0.0.1:${stackEnv().gitPort}/${repo.name}`;
  const { context, page } = await signedIn(browser, alice);
  await buildAs(page, repo.url);
  const library = new LibraryPage(page);
  await library.open("My images", repo.name);
  await expect(library.repository(display).getByTestId("library-entry")).toHaveCount(1);
  await expect(library.repository(display).getByTestId("library-update")).toHaveCount(0);
  // Shared: the row says so at once, with no reload.
  await library.entry(display).getByRole("button", { name: "Share with everyone" }).click();
  await expect(library.entry(display)).toContainText("shared");
  await expect(library.entry(display).getByRole("button", { name: "Make private" })).toBeVisible();

  const { commitFiles } = await import("@/test/git-server");
  const root = process.env.KILN_E2E_GIT_ROOT!;
  // The new commit builds slowly, so the library can be seen while the rebuild runs.
  const next = commitFiles(root, repo.name, { "v.txt": "two\n", Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo "building ${repo.name} two"\nRUN sleep 15\nCOPY --chown=1000:1000 . /srv/repo\n` });
  await page.reload();
  const update = library.repository(display).getByTestId("library-update");
  await expect(update).toContainText(`New commits available on HEAD: ${repo.sha.slice(0, 7)} → ${next.slice(0, 7)}`);
  await update.getByRole("button", { name: "Rebuild at HEAD" }).click();
  await expect(page).toHaveURL(/\/builds\//);

  // While it runs the offer is gone: the rebuild answers it.
  await library.open("My images", repo.name);
  const versions = library.repository(display).getByTestId("library-entry");
  await expect(versions).toHaveCount(2);
  await expect(versions.nth(0)).toContainText("building");
  await expect(library.repository(display).getByTestId("library-update")).toHaveCount(0);
  await versions.nth(0).getByTestId("entry-build-log").click();
  await new BuildPage(page).expectPhase("Built");

  await library.open("My images", repo.name);
  await expect(versions).toHaveCount(2);
  await expect(versions.nth(0)).toContainText(next.slice(0, 7));
  await expect(versions.nth(0)).toHaveAttribute("data-latest", "true");
  await expect(versions.nth(0)).toContainText("latest");
  await expect(versions.nth(1)).toContainText(repo.sha.slice(0, 7));
  await expect(versions.nth(1)).not.toHaveAttribute("data-latest", "true");
  await expect(versions.nth(1).getByRole("button", { name: "Launch" })).toBeVisible();
  // Every built version links to its own build log.
  for (const index of [0, 1]) await expect(versions.nth(index).getByTestId("entry-build-log")).toHaveAttribute("href", /\/builds\/[0-9a-f-]{36}$/);
  await expect(library.repository(display).getByTestId("library-update")).toHaveCount(0);

  // The old version is shared, the new one private: Kiln asks whether to share it too.
  const prompt = versions.nth(0).getByTestId("keep-sharing");
  await expect(prompt).toContainText("An earlier version is shared with everyone. Share this version too?");
  await prompt.getByRole("button", { name: "Share this version" }).click();
  await expect(versions.nth(0).getByRole("button", { name: "Make private" })).toBeVisible();
  await expect(versions.nth(0).getByTestId("keep-sharing")).toHaveCount(0);

  // The branch moves again: the offer comes back.
  const third = commitFiles(root, repo.name, { "v.txt": "three\n" });
  await page.reload();
  await expect(library.repository(display).getByTestId("library-update")).toContainText(`${next.slice(0, 7)} → ${third.slice(0, 7)}`);
  await context.close();
});

test("the library searches and filters by repository, status and visibility", async ({ browser }) => {
  const built = repoWithFiles("findme", { "a.txt": "a\n" });
  const { context, page } = await signedIn(browser, bob);
  await buildAs(page, built.url);
  const query = async (params: string) =>
    ((await (await page.request.get(`api/library?${params}`)).json()).entries as { displayName: string }[]).map((e) => e.displayName);
  const display = `127.0.0.1:${stackEnv().gitPort}/${built.name}`;
  expect(await query(`q=${built.name}`)).toEqual([display]);
  expect(await query(`q=${built.name}&status=failed`)).toEqual([]);
  expect(await query(`q=${built.name}&status=built&visibility=private`)).toEqual([display]);
  expect(await query(`q=${built.name}&visibility=shared`)).toEqual([]);
  const bad = await page.request.get("api/library?status=sideways");
  expect(bad.status()).toBe(400);
  await context.close();
});

test.describe("launch errors are shown in words", () => {
  test("a server that fails to start shows the Hub's message", async ({ browser }) => {
    const broken = repoWithFiles("broken", { "x.txt": "x\n" });
    // An image without jupyterhub-singleuser cannot start a server.
    const { commitFiles } = await import("@/test/git-server");
    commitFiles(process.env.KILN_E2E_GIT_ROOT!, broken.name, {
      Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo "${broken.name}"\nUSER root\nRUN rm /opt/venv/bin/jupyterhub-singleuser\nUSER jovyan\n`,
    });
    const { context, page } = await signedIn(browser, alice);
    await buildAs(page, broken.url);
    const library = new LibraryPage(page);
    await library.open("My images", broken.name);
    await library.launch(`127.0.0.1:${stackEnv().gitPort}/${broken.name}`);
    // Either the Hub's progress reports the failure, or its start call does; both say so in words.
    await expect(page.getByTestId("launch-error")).toContainText(/The server could not start|JupyterHub could not start the server/, { timeout: 120_000 });
    await context.close();
  });

  test("an image deleted meanwhile, and the Hub down, each get a clear message", runsAlone, async ({ browser }) => {
    const repo = repoWithFiles("vanishing", { "x.txt": "x\n" });
    const { context, page } = await signedIn(browser, bob);
    await buildAs(page, repo.url);
    const entry = ((await (await page.request.get("api/library")).json()).entries as { id: number; imageName: string; displayName: string }[]).find((e) =>
      e.displayName.endsWith(repo.name),
    )!;

    await stackScript("hub.sh", "stop");
    try {
      // The Hub's proxy went down with it, so ask Kiln directly.
      const kiln = `http://127.0.0.1:${process.env.KILN_PORT ?? 3030}/services/kiln`;
      const response = await kilnRequest(page, "POST", `${kiln}/api/launches`, { entryId: entry.id });
      expect(response.status()).toBe(503);
      expect((await response.json()).detail).toMatch(/JupyterHub is not answering/);
    } finally {
      await stackScript("hub.sh", "start");
    }

    // Gone from the engine and from the registry.
    await engineCli("rmi", entry.imageName);
    const [registry, ...rest] = entry.imageName.split("/");
    const [name, tag] = rest.join("/").split(":");
    const head = await registryFetch(`http://${registry}/v2/${name}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
    });
    const digest = head.headers.get("docker-content-digest");
    expect((await registryFetch(`http://${registry}/v2/${name}/manifests/${digest}`, { method: "DELETE" })).status).toBe(202);
    const response = await kilnRequest(page, "POST", "api/launches", { entryId: entry.id });
    expect(response.status()).toBe(410);
    expect((await response.json()).detail).toMatch(/deleted from the engine meanwhile/);
    await context.close();
  });
});
