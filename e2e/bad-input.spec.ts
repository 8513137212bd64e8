import { expect, test } from "@playwright/test";
import { KilnShell } from "./pages/kiln-shell";
import { kilnRequest, xsrfToken } from "./support/kiln-api";
import { stackEnv } from "./support/stack";

// Every malformed id, escape, number or record an attacker tried gets a 4xx problem+json with a
// message, never a 500.

const { users } = stackEnv();
const bob = users[1]!;
const dashes = "-".repeat(36);
const hex = "a".repeat(36);
const missing = "8d7f3c1e-0000-4000-8000-000000000000";
const tooBig = "3000000000";

type Case = [label: string, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown];

const cases: Case[] = [
  ["build id of 36 dashes", "GET", `api/builds/${dashes}`],
  ["build id of 36 hex digits", "GET", `api/builds/${hex}`],
  ["events of a build id of dashes", "GET", `api/builds/${dashes}/events`],
  ["log of a build id of hex digits", "GET", `api/builds/${hex}/log`],
  ["cancel of a build id of dashes", "POST", `api/builds/${dashes}/cancel`],
  ["a build that does not exist", "GET", `api/builds/${missing}`],
  ["entry id above 2^31 (share)", "PATCH", `api/library/${tooBig}`, { visibility: "shared" }],
  ["entry id above 2^31 (delete)", "DELETE", `api/library/${tooBig}`],
  ["entry id that is not a number", "DELETE", "api/library/1e3"],
  ["an entry that does not exist", "DELETE", "api/library/2147483647"],
  ["launch of an entry id above 2^31", "POST", "api/launches", { entryId: Number(tooBig) }],
  ["launch path leaving the server", "POST", "api/launches", { entryId: 1, path: "/../../../hub/logout" }],
  ["search for NUL", "GET", "api/library?q=%00"],
  ["unknown filter", "GET", "api/library?status=sideways"],
  ["GitLab spec with a malformed escape", "POST", "api/builds", { repository: "gl/%ZZ/x" }],
  ["git spec with a truncated UTF-8 escape", "POST", "api/builds", { repository: "git/%E0%A4%A/HEAD" }],
  ["bracketed IPv6 host", "POST", "api/builds", { repository: "https://[::1]/org/repo.git" }],
  ["bracketed IPv6 with a zone", "POST", "api/builds", { repository: "http://[fe80::1%25eth0]/repo.git" }],
  ["[host:port] form", "POST", "api/builds", { repository: "https://[github.com:443]/org/repo" }],
  ["bracketed git URL", "POST", "api/builds", { repository: "git://[127.0.0.1:9418]/x.git" }],
  ["credentials in the URL", "POST", "api/builds", { repository: "http://user:secret@example.org/repo.git" }],
  ["an option where the repository goes", "POST", "api/builds", { repository: "--help@github.com:org/repo" }],
  ["server name with capitals", "DELETE", "api/servers/Evil"],
  ["server name that is too long", "DELETE", `api/servers/${"a".repeat(40)}`],
  ["progress of a malformed server name", "GET", "api/launches/..%2F..%2Fhub/progress"],
  ["a server that does not exist", "DELETE", "api/servers/no-such-server"],
  ["remove flag that is not 0 or 1", "DELETE", "api/servers/demo?remove=yes"],
];

test("every malformed or unknown input gets a 4xx problem with a message", async ({ page }) => {
  test.setTimeout(120_000);
  await new KilnShell(page).signInThroughHub(bob);
  const failures: string[] = [];
  for (const [label, method, path, body] of cases) {
    const response = method === "GET" ? await page.request.get(path) : await kilnRequest(page, method, path, body);
    const status = response.status();
    const type = response.headers()["content-type"] ?? "";
    const detail = type.includes("json") ? ((await response.json()) as { detail?: string }).detail : undefined;
    if (status < 400 || status >= 500 || !type.includes("application/problem+json") || !detail) {
      failures.push(`${label}: ${method} ${path} → ${status} ${type} ${detail ?? ""}`);
    }
  }
  expect(failures).toEqual([]);
  console.log(`bad input: ${cases.length} cases, each a 4xx problem+json`);
});

test("pages answer malformed ids with their not-found page, never an error page", async ({ page }) => {
  await new KilnShell(page).signInThroughHub(bob);
  for (const id of [dashes, hex, missing]) {
    const response = await page.goto(`builds/${id}`);
    expect(response?.status(), id).toBe(404);
  }
  // Asked of Kiln directly: the Hub's proxy answers a malformed escape with its own 500 before
  // Kiln sees it (it does so for the Hub's pages too).
  const malformed = await page.request.get(`http://127.0.0.1:${process.env.KILN_PORT ?? 3030}/services/kiln/builds/%E0%A4%A`);
  expect(malformed.status()).toBe(400);
});

test("a body that is not JSON is refused with 415 or 400, and nothing is built", async ({ page }) => {
  await new KilnShell(page).signInThroughHub(bob);
  const headers = { "x-xsrftoken": await xsrfToken(page) };
  const notJson = await page.request.post("api/builds", { headers: { ...headers, "content-type": "application/json" }, data: "{not json" });
  expect(notJson.status()).toBe(400);
  const form = await page.request.post("api/builds", { headers, form: { repository: "gh/org/repo" } });
  expect(form.status()).toBe(415);
  const huge = await page.request.post("api/builds", { headers: { ...headers, "content-type": "application/json" }, data: JSON.stringify({ repository: "x".repeat(200_000) }) });
  expect(huge.status()).toBe(413);
});
