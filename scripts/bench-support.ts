// Shared by the bench:* scripts.
import { chromium, type Browser, type BrowserContext } from "playwright-core";

export const HUB = process.env.KILN_HUB_PUBLIC_URL ?? "http://127.0.0.1:8000";
export const KILN = `${HUB}/services/kiln`;

export interface BenchSession {
  cookie: string;
  /** Kiln's CSRF token (its `_xsrf` cookie), which every state-changing request must echo. */
  xsrf: string;
}

/** A Chromium signed in as `user` on the Hub's login page; close the browser when done. */
export async function signedInBrowser(user: string): Promise<{ browser: Browser; context: BrowserContext }> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext();
  const page = await context.newPage();
  // The Hub's own login page, told to go on to Kiln: never to the person's server, which the
  // Hub would start.
  await page.goto(`${HUB}/hub/login?next=${encodeURIComponent(new URL(`${KILN}/`).pathname)}`);
  await page.fill("#username_input", user);
  await page.fill("#password_input", process.env.KILN_DEMO_PASSWORD ?? "kiln-demo");
  await page.click("#login_submit");
  // Kiln's Launch page, once its own sign-in through the Hub is done.
  await page.waitForURL(/\/services\/kiln\/?$/);
  await page.close();
  return { browser, context };
}

/** Signs `user` in on the Hub's login page in Chromium and returns the cookies for Kiln's API. */
export async function signIn(user: string): Promise<BenchSession> {
  const { browser, context } = await signedInBrowser(user);
  const cookies = await context.cookies(`${KILN}/`);
  await browser.close();
  const xsrf = decodeURIComponent(cookies.find((c) => c.name === "_xsrf" && c.path.startsWith("/services/kiln"))?.value ?? "");
  return { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; "), xsrf };
}

/** POSTs JSON to Kiln's API as its own pages do. */
export function postJson(session: BenchSession, path: string, body: unknown): Promise<Response> {
  return fetch(`${KILN}${path}`, {
    method: "POST",
    headers: { cookie: session.cookie, "x-xsrftoken": session.xsrf, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
