import { createServer, type Server } from "node:net";
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { KilnShell } from "./pages/kiln-shell";
import { kilnRequest } from "./support/kiln-api";
import { dockerRepo, printLines } from "./support/repos";
import { stackEnv } from "./support/stack";

// What one hostile person tried: flooding the queue, the API and the streams, and specs that
// reach other listeners or carry options and credentials.

const { hubUrl, users } = stackEnv();
const [, bob, carol] = users as [string, string, string];

async function listener(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function postBuild(page: Page, repository: string, ref = "") {
  const response = await kilnRequest(page, "POST", "api/builds", { repository, ref });
  return { status: response.status(), body: (await response.json()) as { detail?: string; build?: { id: string } } };
}

test("specs that point git elsewhere, carry credentials or options never reach a listener", async ({ page }) => {
  await new KilnShell(page).signInThroughHub(bob);
  const trap = await listener();
  try {
    const specs = [
      `git/http%3A%2F%2Fgithub.com%5C%40localhost%3A${trap.port}%2Fx/HEAD`,
      `git/http%3A%2F%2Fgithub.com%5C%40127.0.0.1%3A${trap.port}%2Fx/HEAD`,
      `git/file%3A%2F%2F%2Ftmp%2Fx/HEAD`,
      `http://user:secret@127.0.0.1:${trap.port}/repo.git`,
      `--upload-pack=touch /tmp/kiln-pwned@127.0.0.1:${trap.port}/repo`,
      "--help@github.com:org/repo",
    ];
    for (const spec of specs) {
      const { status, body } = await postBuild(page, spec);
      expect(status, spec).toBe(400);
      expect(body.detail, spec).not.toContain("secret");
      expect(body.detail, spec).not.toMatch(/fatal|Connection refused|unable to access/i);
    }
    await page.waitForTimeout(500);
    expect(trap.connections()).toBe(0);
  } finally {
    await trap.close();
  }
});

test("forty random full commit SHAs are each refused; none is queued", async ({ page }) => {
  test.setTimeout(120_000);
  const repo = dockerRepo("random-shas", "RUN true");
  await new KilnShell(page).signInThroughHub(bob);
  let refused = 0;
  for (let i = 0; i < 40; i++) {
    const { status, body } = await postBuild(page, repo.url, randomBytes(20).toString("hex"));
    if (status === 400 && /commit|ref/i.test(body.detail ?? "")) refused += 1;
  }
  expect(refused).toBe(40);
  const entries = (await (await page.request.get(`api/library?q=${repo.name}`)).json()).entries as unknown[];
  expect(entries).toEqual([]);
  // The real commit is still accepted.
  expect((await postBuild(page, repo.url, repo.sha)).status).toBeLessThan(300);
});

test("one person can queue only a few builds and watch only a few streams at once", async ({ page }) => {
  test.setTimeout(180_000);
  await new KilnShell(page).signInThroughHub(carol);
  // One runs (KILN_BUILD_PER_USER=1), five wait (KILN_BUILD_QUEUED_PER_USER=5); the seventh is refused.
  const ids: string[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const { status, body } = await postBuild(page, dockerRepo(`queue-flood-${i}`, `${printLines(1)}\nRUN sleep 120`).url);
      expect(status, body.detail).toBeLessThan(300);
      ids.push(body.build!.id);
      // Other workers' builds may hold every builder for a while: the first must run before
      // the rest count as waiting.
      if (i === 0) {
        const status = async () => ((await (await page.request.get(`api/builds/${ids[0]}`)).json()) as { status: string }).status;
        await expect.poll(status, { timeout: 90_000 }).not.toBe("queued");
      }
    }
    const seventh = await postBuild(page, dockerRepo("queue-flood-7", "RUN true").url);
    expect(seventh.status).toBe(429);
    expect(seventh.body.detail).toMatch(/waiting in the queue/);

    // Ten live streams of one build; the eleventh is refused.
    const cookie = (await page.context().cookies(`${hubUrl}/services/kiln/`)).map((c) => `${c.name}=${c.value}`).join("; ");
    const controllers = Array.from({ length: 11 }, () => new AbortController());
    const statuses: number[] = [];
    for (const controller of controllers) {
      const response = await fetch(`${hubUrl}/services/kiln/api/builds/${ids[0]}/events`, { headers: { cookie }, signal: controller.signal });
      statuses.push(response.status);
    }
    for (const controller of controllers) controller.abort();
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
  } finally {
    for (const id of ids) await kilnRequest(page, "POST", `api/builds/${id}/cancel`);
  }
});

test("a flood of requests from one person gets 429 with Retry-After; someone else is still served", async ({ browser }) => {
  test.setTimeout(120_000);
  const flooder = await browser.newContext();
  const flooderPage = await flooder.newPage();
  await new KilnShell(flooderPage).signInThroughHub(`${users[0]!.replace(/-alice$/, "")}-flood`);
  const bystander = await browser.newContext();
  const bystanderPage = await bystander.newPage();
  await new KilnShell(bystanderPage).signInThroughHub(bob);

  const statuses = await Promise.all(Array.from({ length: 330 }, () => flooderPage.request.get("api/me").then((r) => r)));
  const limited = statuses.filter((r) => r.status() === 429);
  expect(limited.length).toBeGreaterThan(0);
  expect(Number(limited[0]!.headers()["retry-after"])).toBeGreaterThan(0);
  expect((await limited[0]!.json()).detail).toMatch(/too many requests/);
  expect((await bystanderPage.request.get("api/me")).status()).toBe(200);
  await flooder.close();
  await bystander.close();
});
