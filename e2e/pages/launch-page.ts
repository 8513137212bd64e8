import { expect, type Page } from "@playwright/test";
import { waitForHydration } from "./kiln-shell";

/** The Launch form: paste a repository, pick a ref, build. */
export class LaunchPage {
  readonly repository;
  readonly ref;
  readonly path;
  readonly hint;

  constructor(private readonly page: Page) {
    this.repository = page.getByLabel("Repository");
    this.ref = page.getByLabel(/Branch, tag or commit/);
    this.path = page.getByLabel(/Open this path/);
    this.hint = page.getByTestId("repository-hint");
  }

  async open() {
    await this.page.goto("");
    await expect(this.repository).toBeVisible();
    await waitForHydration(this.page);
  }

  async submit(repository: string, ref = "") {
    await waitForHydration(this.page);
    await this.repository.fill(repository);
    await this.ref.fill(ref);
    await this.page.getByRole("button", { name: "Build" }).click();
  }

  /** Submits and waits for the build page; returns the build id from the URL. */
  async build(repository: string, ref = ""): Promise<string> {
    await this.submit(repository, ref);
    // Resolving the ref is a round trip to the git host; under load it takes longer than a page load.
    await this.page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    return /\/builds\/([0-9a-f-]{36})/.exec(this.page.url())![1]!;
  }
}
