import { expect, type BrowserContext, type Page } from "@playwright/test";

/** A single-user Jupyter server reached through the Hub's proxy, and its contents API. */
export class JupyterServer {
  constructor(private readonly page: Page, private readonly context: BrowserContext, readonly base: string) {}

  /** The server this page landed on after a launch: http://…/user/<name>/<server>. */
  static async fromPage(page: Page, context: BrowserContext): Promise<JupyterServer> {
    await expect(page).toHaveURL(/\/user\/[^/]+\/[^/]+\/lab/, { timeout: 120_000 });
    const base = /^(.*\/user\/[^/]+\/[^/]+)\//.exec(page.url())![1]!;
    return new JupyterServer(page, context, base);
  }

  private async xsrf(): Promise<Record<string, string>> {
    const cookie = (await this.context.cookies()).find((c) => c.name === "_xsrf");
    return cookie ? { "X-XSRFToken": cookie.value } : {};
  }

  async write(path: string, content: string): Promise<void> {
    const response = await this.page.request.put(`${this.base}/api/contents/${path}`, {
      headers: await this.xsrf(),
      data: { type: "file", format: "text", content },
    });
    expect(response.status(), await response.text()).toBeLessThan(300);
  }

  async read(path: string): Promise<string | null> {
    const response = await this.page.request.get(`${this.base}/api/contents/${path}?content=1`);
    if (response.status() === 404) return null;
    expect(response.ok()).toBe(true);
    return ((await response.json()) as { content: string }).content;
  }
}
