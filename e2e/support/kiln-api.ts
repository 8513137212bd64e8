import type { APIResponse, Page } from "@playwright/test";

// Kiln's API as its own pages call it: a state change carries the session's CSRF token (the
// `_xsrf` cookie echoed in X-XSRFToken) and a JSON body.

export async function xsrfToken(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name === "_xsrf" && c.path.startsWith("/services/kiln"));
  if (!cookie) throw new Error("no _xsrf cookie: open a Kiln page signed in first");
  return decodeURIComponent(cookie.value);
}

export async function kilnRequest(page: Page, method: "POST" | "PATCH" | "DELETE", url: string, data?: unknown): Promise<APIResponse> {
  return page.request.fetch(url, {
    method,
    headers: { "x-xsrftoken": await xsrfToken(page), ...(data === undefined ? {} : { "content-type": "application/json" }) },
    ...(data === undefined ? {} : { data: JSON.stringify(data) }),
  });
}
