import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { marked } from "marked";

// A project's README rendered to HTML and served on 127.0.0.1, as GitHub or a docs site would
// show it: where researchers meet launch badges.

export async function serveReadme(markdown: string): Promise<{ url: string; close: () => Promise<void> }> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>README</title></head><body><main>${await marked.parse(markdown)}</main></body></html>`;
  const server: Server = createServer((request, response) => {
    response.writeHead(request.url === "/" ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    response.end(request.url === "/" ? html : "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
