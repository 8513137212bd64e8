// Shared by the bench:* scripts.
import { chromium } from "playwright-core";

export const HUB = process.env.KILN_HUB_PUBLIC_URL ?? "http://127.0.0.1:8000";
export const KILN = `${HUB}/services/kiln`;

/** Signs `user` in on the Hub's login page in Chromium and returns the cookies for Kiln's API. */
export async function signIn(user: string): Promise<string> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${KILN}/`);
  await page.fill("#username_input", user);
  await page.fill("#password_input", process.env.KILN_DEMO_PASSWORD ?? "kiln-demo");
  await page.click("#login_submit");
  await page.waitForURL(/services\/kiln/);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  await browser.close();
  return cookie;
}

export const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
