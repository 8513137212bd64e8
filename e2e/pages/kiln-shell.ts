import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { HubLoginPage } from "./hub-login";

/** Kiln's header and navigation, as every signed-in page shows them. */
export class KilnShell {
  readonly nav;
  readonly currentUser;

  constructor(private readonly page: Page) {
    this.nav = page.getByRole("navigation", { name: "Main" });
    this.currentUser = page.getByTestId("current-user");
  }

  /** Opens `path` in Kiln signed out, signs in on the Hub's login page, and lands back in Kiln. */
  async signInThroughHub(username: string, path = "") {
    await this.page.goto(path);
    const login = new HubLoginPage(this.page);
    await login.expectShown();
    await login.signIn(username);
    await expect(this.currentUser).toContainText(username);
    await waitForHydration(this.page);
  }

  navLink(name: string) {
    return this.nav.getByRole("link", { name, exact: true });
  }

  async signOut() {
    await this.page.getByRole("button", { name: "Sign out" }).click();
  }
}

/** Waits until React has hydrated the page: input typed before that never reaches its state. */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1, { timeout: 30_000 });
}

/** A new browser context signed in to Kiln as `user`, through the Hub's login page. */
export async function signedIn(browser: Browser, user: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new KilnShell(page).signInThroughHub(user);
  return { context, page };
}
