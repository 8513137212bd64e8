import { expect, test, type Page } from "@playwright/test";
import { KilnShell } from "./pages/kiln-shell";
import { runsAlone, stackEnv, stackScript } from "./support/stack";

// Anyone may ask whether Kiln is up; only moderators see versions, timings and errors.

async function asModerator(page: Page) {
  await new KilnShell(page).signInThroughHub(stackEnv().admin);
}

test("health tells anyone only whether each part is up", async ({ request }) => {
  const response = await request.get("api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", checks: { database: { ok: true }, engine: { ok: true }, hub: { ok: true } } });
});

test("a moderator's health report has versions and timings", async ({ page }) => {
  await asModerator(page);
  const body = await (await page.request.get("api/health")).json();
  expect(body.status).toBe("ok");
  expect(body.checks.database).toMatchObject({ ok: true });
  expect(body.checks.engine).toMatchObject({ ok: true });
  expect(body.checks.hub).toMatchObject({ ok: true, version: expect.stringMatching(/^5\./) });
});

test("health reports the engine down while its socket is stopped, and up again after", runsAlone, async ({ page, request }) => {
  test.setTimeout(120_000);
  await asModerator(page);
  await stackScript("engine.sh", "stop");
  try {
    await expect.poll(async () => (await request.get("api/health")).status(), { timeout: 10_000 }).toBe(503);
    const anonymous = await (await request.get("api/health")).json();
    expect(anonymous).toEqual({ status: "degraded", checks: { database: { ok: true }, engine: { ok: false }, hub: { ok: true } } });
    const body = await (await page.request.get("api/health")).json();
    expect(body.checks.engine.ok).toBe(false);
    expect(body.checks.engine.error).toBeTruthy();
  } finally {
    await stackScript("engine.sh", "start");
  }
  await expect.poll(async () => (await request.get("api/health")).status(), { timeout: 30_000 }).toBe(200);
});
