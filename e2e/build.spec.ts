import { expect, test } from "@playwright/test";
import { BuildPage } from "./pages/build-page";
import { KilnShell } from "./pages/kiln-shell";
import { LaunchPage } from "./pages/launch-page";
import { dockerRepo, printedLines, printLines } from "./support/repos";
import { kilnRequest } from "./support/kiln-api";
import { builderStates, engineCli, registryFetch, runsAlone, stackEnv, stackScript } from "./support/stack";

const { users } = stackEnv();
const [alice, bob] = users as [string, string];

test.describe.configure({ timeout: 180_000 });

test("a pasted git repository is built while the user watches, and its image carries its labels", { tag: ["@kubernetes", "@engine"] }, async ({ page }) => {
  const repo = dockerRepo("watch", printLines(30, 0.2));
  await new KilnShell(page).signInThroughHub(alice);
  const launch = new LaunchPage(page);
  await launch.repository.fill(repo.url);
  await expect(launch.hint).toContainText("Recognised: Git repository");
  const id = await launch.build(repo.url);

  const build = new BuildPage(page);
  // Lines arrive while the build is still running, not all at the end.
  await build.expectLogShows("kiln-line-3");
  await expect(build.phase).not.toHaveAttribute("aria-valuetext", "Built");
  await build.expectPhase("Built");
  await build.expectLogShows(/Built 127\.0\.0\.1:5000\/kiln-/);
  await expect(page).toHaveTitle(/Built · .*watch/);

  const view = await (await page.request.get(`api/builds/${id}`)).json();
  expect(view).toMatchObject({ status: "built", resolvedRef: repo.sha, requestedRef: "HEAD", provider: "git" });
  const labels = JSON.parse(await engineCli("image", "inspect", "--format", "{{json .Config.Labels}}", view.imageName));
  expect(labels).toMatchObject({ "repo2docker.repo": repo.url, "repo2docker.ref": repo.sha, "repo2docker.version": expect.any(String) });
  expect(JSON.parse(labels["org.kiln.build"])).toEqual({
    spec: view.spec,
    provider: "git",
    requestedRef: "HEAD",
    builder: expect.stringContaining("repo2docker"),
  });
  // Pushed too: the registry on 127.0.0.1 has the tag.
  const [registry, ...rest] = view.imageName.split("/");
  const [name, tag] = rest.join("/").split(":");
  const tags = await (await registryFetch(`http://${registry}/v2/${name}/tags/list`)).json();
  expect(tags.tags).toContain(tag);

  // Every line is stored, once, in order.
  const log = await build.rawLog(id);
  const numbered = printedLines(log);
  expect(numbered).toEqual(Array.from({ length: 30 }, (_, i) => `kiln-line-${i + 1}`));

  // Asking again builds nothing: the same build, ready at once.
  await new LaunchPage(page).open();
  const again = await new LaunchPage(page).build(repo.url);
  expect(again).toBe(id);
  await build.expectPhase("Built", 5_000);

  // Gone from the engine but still in the registry: still no build.
  await engineCli("rmi", view.imageName);
  await new LaunchPage(page).open();
  expect(await new LaunchPage(page).build(repo.url)).toBe(id);
});

test("two users asking for the same repository at once share one build", async ({ browser }) => {
  const repo = dockerRepo("shared", printLines(20, 0.2));
  const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
  const [pageA, pageB] = await Promise.all(contexts.map((c) => c.newPage()));
  await new KilnShell(pageA!).signInThroughHub(alice);
  await new KilnShell(pageB!).signInThroughHub(bob);
  const launchA = new LaunchPage(pageA!);
  const launchB = new LaunchPage(pageB!);
  await launchA.repository.fill(repo.url);
  await launchB.repository.fill(repo.url);
  const [idA, idB] = await Promise.all([launchA.build(repo.url), launchB.build(repo.url)]);
  expect(idB).toBe(idA);

  const buildB = new BuildPage(pageB!);
  await buildB.expectPhase("Built");
  const log = await buildB.rawLog(idB);
  expect(printedLines(log)).toHaveLength(20);
  expect(log.match(/^STEP 1\/\d+: FROM/gm)).toHaveLength(1); // one build, not two
  await Promise.all(contexts.map((c) => c.close()));
});

test("a repository whose Dockerfile fails ends failed with the error visible", async ({ page }) => {
  const repo = dockerRepo("fails", 'RUN echo "about to fail: boom-marker" && exit 3');
  await new KilnShell(page).signInThroughHub(alice);
  await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectPhase("Failed");
  await expect(build.error).toContainText("The build failed at step 3 of");
  await expect(build.error).toContainText("(the command exited with status 3)");
  await expect(page.getByTestId("build-failure-output")).toHaveText("about to fail: boom-marker");
  await build.expectLogShows("boom-marker");
  await expect(page).toHaveTitle(/✗ Failed/);
});

test("cancel stops a running build and its container", { tag: ["@kubernetes", "@engine"] }, async ({ page }) => {
  const repo = dockerRepo("cancel", `${printLines(3, 0.1)}\nRUN sleep 300`);
  await new KilnShell(page).signInThroughHub(alice);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectLogShows("kiln-line-3");
  await build.cancel();
  await build.expectPhase("Cancelled", 60_000);
  await expect(build.error).toHaveText("The build was cancelled.");
  await expect.poll(() => builderStates(id), { timeout: 30_000 }).toBe("");
});

test("a build survives Kiln being killed mid-build, with its log whole", { ...runsAlone, tag: ["@kubernetes", "@engine"] }, async ({ page }) => {
  const repo = dockerRepo("restart", printLines(40, 0.25));
  await new KilnShell(page).signInThroughHub(alice);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectLogShows("kiln-line-8");

  await stackScript("kiln.sh", "kill");
  await stackScript("kiln.sh", "start");

  await page.reload();
  await build.expectPhase("Built");
  const log = await build.rawLog(id);
  expect(printedLines(log)).toEqual(Array.from({ length: 40 }, (_, i) => `kiln-line-${i + 1}`));
  expect(log.match(/Built 127\.0\.0\.1/g)).toHaveLength(1);
});

test("a build that finishes while Kiln is down is finalised from its container when Kiln returns", { ...runsAlone, tag: ["@kubernetes", "@engine"] }, async ({ page }) => {
  const repo = dockerRepo("while-down", printLines(12, 0.25));
  await new KilnShell(page).signInThroughHub(alice);
  const id = await new LaunchPage(page).build(repo.url);
  const build = new BuildPage(page);
  await build.expectLogShows("kiln-line-2");

  await stackScript("kiln.sh", "kill");
  await expect
    .poll(() => builderStates(id), { timeout: 60_000 })
    .toMatch(/exited|Succeeded/i);
  await stackScript("kiln.sh", "start");

  await page.reload();
  await build.expectPhase("Built");
  const log = await build.rawLog(id);
  expect(printedLines(log)).toEqual(Array.from({ length: 12 }, (_, i) => `kiln-line-${i + 1}`));
  await expect.poll(() => builderStates(id), { timeout: 30_000 }).toBe("");
});

test("a viewer that reconnects with Last-Event-ID gets every line exactly once", async ({ page, context }) => {
  const repo = dockerRepo("reconnect", printLines(60, 0.1));
  await new KilnShell(page).signInThroughHub(bob);
  const id = await new LaunchPage(page).build(repo.url);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const url = `${stackEnv().hubUrl}/services/kiln/api/builds/${id}/events`;

  const received: [number, string][] = [];
  const readEvents = async (lastEventId: string | undefined, stopAfter: number | undefined) => {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { cookie, ...(lastEventId ? { "last-event-id": lastEventId } : {}) }, signal: controller.signal });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let lastId = lastEventId;
    let count = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return lastId;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        if (field("event") === "lines") {
          received.push(...(JSON.parse(field("data")!) as [number, string][]));
          lastId = field("id");
          count += 1;
          if (stopAfter && count >= stopAfter && received.length >= 10) {
            controller.abort();
            return lastId;
          }
        }
        if (field("event") === "end") return lastId;
      }
    }
  };

  const cut = await readEvents(undefined, 3);
  expect(Number(cut)).toBeGreaterThan(0);
  await readEvents(cut, undefined);

  const seqs = received.map(([seq]) => seq);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // contiguous, no repeats
  expect(received.map(([, text]) => text).filter((t) => t.startsWith("kiln-line-"))).toEqual(
    Array.from({ length: 60 }, (_, i) => `kiln-line-${i + 1}`),
  );
});

test("a second build of the same user waits in the queue and shows its position", async ({ page }) => {
  // The stack allows one running build per user (KILN_BUILD_PER_USER=1).
  const first = dockerRepo("queue-first", `${printLines(2)}\nRUN sleep 300`);
  const second = dockerRepo("queue-second", "RUN true");
  await new KilnShell(page).signInThroughHub(alice);
  const firstId = await new LaunchPage(page).build(first.url);
  const build = new BuildPage(page);
  await build.expectLogShows("kiln-line-2");

  await new LaunchPage(page).open();
  const secondId = await new LaunchPage(page).build(second.url);
  await build.expectPhase("Queued", 10_000);
  await expect(build.status).toHaveText(/Waiting for a free builder · position \d+ in the queue/);

  // Cancelling the queued build ends it at once; cancelling the first frees the builder.
  await build.cancel();
  await build.expectPhase("Cancelled", 15_000);
  expect((await (await kilnRequest(page, "POST", `api/builds/${firstId}/cancel`)).json()).id).toBe(firstId);
  await page.goto(`builds/${firstId}`);
  await build.expectPhase("Cancelled", 60_000);
  expect(secondId).not.toBe(firstId);
});
