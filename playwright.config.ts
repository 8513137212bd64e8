import { randomBytes } from "node:crypto";
import { defineConfig, devices } from "@playwright/test";

// This run's Hub users are e2e-<random>-…; set once here, inherited by every worker.
process.env.KILN_E2E_RUN ??= `e2e-${randomBytes(3).toString("hex")}`;

// Runs against the stack that scripts/stack-up.sh started; never starts its own servers.
const hubUrl = process.env.KILN_HUB_PUBLIC_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  testDir: "e2e",
  // Specs mostly wait on builds and servers, so several run at once, each worker as its own
  // users (stackEnv); a spec that stops or reconfigures a shared service runs alone (runsAlone).
  workers: Number(process.env.KILN_E2E_WORKERS ?? 3),
  fullyParallel: true,
  // One retry in CI: a spec that passes only on retry is reported as flaky in the output.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  globalSetup: "./e2e/support/global-setup.ts",
  use: {
    baseURL: `${hubUrl}/services/kiln/`,
    // A trace costs every test CPU (screencast and DOM snapshots); record one on the retry only.
    trace: "on-first-retry",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
});
