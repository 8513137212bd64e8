import { expect, type Page } from "@playwright/test";
import { stackEnv } from "../support/stack";

/** JupyterHub's own login form (DummyAuthenticator on the local stack). */
export class HubLoginPage {
  constructor(private readonly page: Page) {}

  async expectShown() {
    // The login page Kiln's sign-in leads to says where to go next (the OAuth authorization);
    // submitting one without it would land on the user's default server instead of Kiln.
    await expect(this.page).toHaveURL(/\/hub\/login\?next=/);
    await expect(this.page.locator("#username_input")).toBeVisible();
  }

  async signIn(username: string, password = stackEnv().password) {
    await this.page.locator("#username_input").fill(username);
    await this.page.locator("#password_input").fill(password);
    await this.page.locator("#login_submit").click();
  }
}
