import { expect, type Page } from "@playwright/test";

/** A build's live page: phase, log, actions. */
export class BuildPage {
  readonly phase;
  readonly status;
  readonly log;
  /** The log's drawn rows: the ones in view (it shows the tail while following it), and a few around them. */
  readonly rows;
  readonly error;

  constructor(private readonly page: Page) {
    this.phase = page.getByRole("progressbar", { name: "Build progress" });
    this.status = page.getByTestId("build-status");
    this.log = page.getByTestId("build-log");
    this.rows = page.getByTestId("build-log-rows");
    this.error = page.getByTestId("build-error");
  }

  async expectPhase(text: "Queued" | "Fetching" | "Building" | "Pushing" | "Built" | "Failed" | "Cancelled", timeout = 120_000) {
    // A failed build's value names the phase it failed in ("Failed while building").
    await expect(this.phase).toHaveAttribute("aria-valuetext", text === "Failed" ? /^Failed( while \w+)?$/ : text, { timeout });
  }

  /** The log's drawn rows show this (while following, the tail). */
  async expectLogShows(text: string | RegExp, timeout = 60_000) {
    await expect(this.rows).toContainText(text, { timeout });
  }

  /** The whole stored log, as "Download log" gives it. */
  async rawLog(id: string): Promise<string> {
    const response = await this.page.request.get(`api/builds/${id}/log`);
    expect(response.ok()).toBe(true);
    return response.text();
  }

  async cancel() {
    await this.page.getByRole("button", { name: "Cancel build" }).click();
  }
}
