import { expect, test } from "@playwright/test";
import { stackScript } from "./support/stack";

test("health reports the database, the engine and the Hub up", async ({ request }) => {
  const response = await request.get("api/health");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.status).toBe("ok");
  expect(body.checks.database).toMatchObject({ ok: true });
  expect(body.checks.engine).toMatchObject({ ok: true });
  expect(body.checks.hub).toMatchObject({ ok: true, version: expect.stringMatching(/^5\./) });
});

test("health reports the engine down while its socket is stopped, and up again after", async ({ request }) => {
  test.setTimeout(120_000);
  await stackScript("engine.sh", "stop");
  try {
    const response = await request.get("api/health");
    expect(response.status()).toBe(503);
    const body = await response.json();
    expect(body.status).toBe("degraded");
    expect(body.checks.engine.ok).toBe(false);
    expect(body.checks.engine.error).toBeTruthy();
    expect(body.checks.database.ok).toBe(true);
    expect(body.checks.hub.ok).toBe(true);
  } finally {
    await stackScript("engine.sh", "start");
  }
  await expect.poll(async () => (await request.get("api/health")).status(), { timeout: 30_000 }).toBe(200);
});
