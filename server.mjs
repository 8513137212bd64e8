// Kiln's HTTP server: Next.js's own request handler, with what `next start` sets (host, port, the
// keep-alive the Hub's proxy needs) and one answer Next cannot give: fetch's Request refuses the
// methods TRACE and TRACK, so Next (which makes one per request) would answer them with a 500.
import { createServer } from "node:http";
import next from "next";

const hostname = process.env.KILN_LISTEN_HOST ?? "127.0.0.1";
const port = Number(process.env.KILN_PORT ?? 3030);
const UNREPRESENTABLE = new Set(["TRACE", "TRACK"]);

const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((request, response) => {
  if (UNREPRESENTABLE.has(request.method ?? "")) {
    const body = { type: "about:blank#method_not_allowed", title: "method not allowed", status: 405, code: "method_not_allowed", detail: `Kiln does not answer ${request.method}.` };
    response.writeHead(405, { "content-type": "application/problem+json", allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" });
    response.end(JSON.stringify(body));
    return;
  }
  void handle(request, response);
});
// The Hub's proxy keeps connections to Kiln open between requests (Node's agents do): closing an
// idle one after Node's 5 s while the proxy reuses it would answer a visitor 503.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, hostname, () => console.log(`[kiln] listening on http://${hostname}:${port}`));
