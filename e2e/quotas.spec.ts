import { expect, test } from "@playwright/test";
import { signedIn } from "./pages/kiln-shell";
import { LibraryPage } from "./pages/library-page";
import { changePolicy, KilnApi } from "./support/kiln-token-api";
import { repoWithFiles } from "./support/repos";
import { hubApi, hubUserToken, removeAllServers, runsAlone, stackEnv } from "./support/stack";

// Quotas: every limit refuses at the moment it matters with its name, the use and what frees
// it; two racing requests cannot both pass a limit of one. The person here is in a Hub group
// whose override sets the limits (this run's other users build without quotas).

const { users, admin } = stackEnv();
const alice = users[0]!;
const person = `${alice}-quota`;
const group = `${person}-group`;

test.beforeAll(async () => {
  await hubApi("/users", { method: "POST", body: JSON.stringify({ usernames: [person] }) });
  await hubApi(`/groups/${group}`, { method: "POST", body: JSON.stringify({ users: [person] }) });
});

test.afterAll(async () => {
  await removeAllServers(person);
  await removeAllServers(alice);
  await hubApi(`/groups/${group}`, { method: "DELETE" });
  await hubApi(`/users/${person}`, { method: "DELETE" });
});

/** The refusal's detail, checked to be a 429 problem naming `limit`. */
function expectQuota(answer: { status: number; body: unknown; text: string }, limit: string, text: RegExp) {
  expect(answer.status, answer.text).toBe(429);
  const problem = answer.body as { code: string; detail: string; errors?: unknown };
  expect(problem.code).toMatch(/quota_exceeded$/);
  expect(problem.detail).toMatch(text);
  expect(answer.text).toContain(limit);
}

test("each quota refuses with the limit's name, the use and what frees it; racing requests cannot both pass a limit of one", runsAlone, async ({ browser }) => {
  test.setTimeout(420_000);
  const adminApi = await KilnApi.as(admin);
  const api = await KilnApi.as(person);
  const [a, b] = await Promise.all([api.builtImage("quota-a"), api.builtImage("quota-b")]);
  const setLimits = (limits: Record<string, number | null>, extra: { repoConcurrentLaunches?: number | null } = {}) =>
    changePolicy(adminApi, (p) => ({ ...p, ...extra, quotas: { ...p.quotas, groups: { ...p.quotas.groups, [group]: limits } } }));
  const restore = await setLimits({});
  try {
    // Shared images: two shares at once against a limit of one.
    await setLimits({ sharedImages: 1 });
    const shares = await Promise.all([a, b].map((image) => api.call("PATCH", `library/${image.entryId}`, { visibility: "shared" })));
    expect(shares.map((s) => s.status).sort()).toEqual([200, 429]);
    const refusedShare = shares.find((s) => s.status === 429)!;
    expectQuota(refusedShare, "sharedImages", new RegExp(`limit of 1 images shared with everyone \\(the limit for the Hub group ${group}\\): you have 1\\. Make one of your shared images private`));
    const winner = shares[0]!.status === 200 ? a : b;
    const loser = winner === a ? b : a;

    // Images in the library: at the limit, a new build is refused before anything is queued.
    await setLimits({ libraryImages: 2 });
    expectQuota(await api.call("POST", "builds", { repository: repoWithFiles("quota-c", {}).url }), "libraryImages", /limit of 2 images in your library(?: \(the limit for the Hub group [^)]+\))?: you have 2\. Delete an image/);

    // New builds per hour, with when the next one frees up (and Retry-After).
    await setLimits({ buildsPerHour: 2 });
    const hourly = await api.call("POST", "builds", { repository: repoWithFiles("quota-d", {}).url });
    expectQuota(hourly, "buildsPerHour", /limit of 2 new builds per hour(?: \(the limit for the Hub group [^)]+\))?: you have 2\. The next one frees up in \d+ minutes?\./);
    expect(Number(hourly.headers.get("retry-after"))).toBeGreaterThan(0);

    // Storage of images only this person has.
    await setLimits({ imageBytes: 0 });
    expectQuota(await api.call("POST", "builds", { repository: repoWithFiles("quota-e", {}).url }), "imageBytes", /storage of images only you have(?: \(the limit for the Hub group [^)]+\))?: you have [\d.]+ GiB\. Delete images/);

    // Builds in progress: two new builds at once against a limit of one, then a third.
    await setLimits({ concurrentBuilds: 1 });
    const racing = await Promise.all(["quota-f", "quota-g"].map((label) => api.call("POST", "builds", { repository: repoWithFiles(label, {}).url })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 429]);
    expectQuota(racing.find((r) => r.status === 429)!, "concurrentBuilds", /limit of 1 builds in progress at once(?: \(the limit for the Hub group [^)]+\))?: you have 1\. It frees up when one of them finishes/);
    const running = (racing.find((r) => r.status === 201)!.body as { build: { id: string } }).build.id;
    await api.ok("POST", `builds/${running}/cancel`);

    // Servers at once: one runs, a second is refused before the Hub is asked.
    await setLimits({ concurrentServers: 1 });
    await api.ok("POST", "launches", { entryId: winner.entryId });
    expectQuota(await api.call("POST", "launches", { entryId: loser.entryId }), "concurrentServers", /limit of 1 servers running at once(?: \(the limit for the Hub group [^)]+\))?: you have 1\. Stop one on the Servers page/);

    // The Hub's own API is no way around it: a start asked of it directly is checked as well.
    const direct = async (user: string, server: string, image: string) => {
      const { token } = await hubUserToken(user);
      const response = await fetch(`http://127.0.0.1:8081/hub/api/users/${user}/servers/${server}`, {
        method: "POST",
        headers: { authorization: `token ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ image }),
      });
      return { status: response.status, text: await response.text() };
    };
    const viaHub = await direct(person, "direct", loser.image);
    expect(viaHub.status, viaHub.text).toBe(429);
    expect(viaHub.text).toMatch(/limit of 1 servers running at once/);

    // One repository's servers across everyone: alice may not start the shared image's repository now.
    await setLimits({ sharedImages: 1, concurrentServers: 1 }, { repoConcurrentLaunches: 1 });
    const aliceApi = await KilnApi.as(alice);
    const refusedRepo = await aliceApi.call("POST", "launches", { entryId: winner.entryId });
    expect(refusedRepo.status, refusedRepo.text).toBe(429);
    expect((refusedRepo.body as { detail: string }).detail).toMatch(/is running on 1 server at once, the most this Hub allows for one repository \(1\)/);
    const aliceViaHub = await direct(alice, "direct", winner.image);
    expect(aliceViaHub.status, aliceViaHub.text).toBe(429);
    expect(aliceViaHub.text).toMatch(/the most this Hub allows for one repository/);

    // The person sees their use against their limits.
    const { context, page } = await signedIn(browser, person);
    await new LibraryPage(page).open();
    await page.getByTestId("usage-panel").locator("summary").click();
    await expect(page.getByTestId("usage-sharedImages")).toContainText("1 of 1");
    await expect(page.getByTestId("usage-sharedImages")).toContainText(`(group ${group})`);
    await expect(page.getByTestId("usage-concurrentServers")).toContainText("1 of 1");
    await context.close();

    // Every refusal is in the audit log.
    const refused = (await adminApi.auditExport({ actor: person, outcome: "refused" })).map((e) => `${e.action} ${String(e.details.code)}`);
    expect(refused).toEqual(expect.arrayContaining(["entry.share quota_exceeded", "build.request quota_exceeded", "launch quota_exceeded"]));
    expect((await adminApi.auditExport({ actor: alice, action: "launch", outcome: "refused" })).map((e) => e.details.code)).toContain("repo_quota_exceeded");
    expect((await adminApi.auditExport({ action: "policy.update", actor: admin })).length).toBeGreaterThan(0);
  } finally {
    await restore();
  }
});
