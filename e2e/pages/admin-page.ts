import { expect, type Page } from "@playwright/test";

/** Kiln's admin pages: overview, shared images, bans, policy and audit log. */
export class AdminPage {
  constructor(private readonly page: Page) {}

  async open(tab: "overview" | "shared" | "bans" | "policy" | "audit" = "overview") {
    await this.page.goto(tab === "overview" ? "admin" : `admin?tab=${tab}`);
    await expect(this.page.getByRole("navigation", { name: "Admin sections" }).locator('[aria-current="page"]')).toBeVisible();
  }

  /** A shared image's card in the moderation view. */
  sharedImage(name: string) {
    return this.page.getByTestId("moderated-entry").filter({ has: this.page.getByRole("heading", { name, exact: true }) });
  }

  async showOnly(filter: "All" | "Waiting for review" | "Reported" | "Hidden" | "Featured") {
    await this.page.getByRole("group", { name: "Show" }).getByRole("button", { name: filter, exact: true }).click();
  }

  /** Takes one action on a shared image, with its reason (or description), and waits for the answer. */
  async act(name: string, action: string, reason: string, expected: RegExp) {
    const card = this.sharedImage(name);
    await card.getByRole("combobox", { name: "Action" }).selectOption({ label: action });
    if (reason) await card.getByRole("textbox").fill(reason);
    await card.getByRole("button", { name: action, exact: true }).click();
    await expect(this.page.getByTestId("moderation-notice")).toContainText(expected);
  }
}
