import { expect, type Page } from "@playwright/test";

/** The library: repositories, their versions, and what can be done with each. */
export class LibraryPage {
  readonly notice;

  constructor(private readonly page: Page) {
    this.notice = page.getByTestId("library-notice");
  }

  /** Opens a view; with `search`, only repositories matching it (a long library pages by twenty). */
  async open(view: "My images" | "Shared with everyone" = "My images", search?: string) {
    await this.page.goto(search ? `library?q=${encodeURIComponent(search)}` : "library");
    await this.page.getByRole("tab", { name: view }).click();
  }

  repository(name: string) {
    return this.page.getByTestId("library-repo").filter({ has: this.page.getByRole("heading", { name }) });
  }

  entry(name: string) {
    return this.repository(name).getByTestId("library-entry").first();
  }

  async launch(name: string) {
    await this.entry(name).getByRole("button", { name: "Launch" }).click();
  }

  async share(name: string) {
    await this.entry(name).getByRole("button", { name: "Share with everyone" }).click();
    await expect(this.notice).toContainText("is now shared with everyone");
  }

  async delete(name: string) {
    this.page.once("dialog", (dialog) => void dialog.accept());
    await this.entry(name).getByRole("button", { name: "Delete" }).click();
  }
}
