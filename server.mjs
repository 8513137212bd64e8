// Kiln's HTTP server: Next.js's own request handler, with what `next start` sets (host, port, the
// keep-alive the Hub's proxy needs) and one answer Next cannot give: fetch's Request refuses the
// methods TRACE and TRACK, so Next (which makes one per request) would answer them with a 500.
// It also gives every request an id (X-Request-Id, kept from a proxy in front when well formed)
// and logs each answered request as one JSON line (pino-http), as lib/log.ts logs the rest.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import next from "next";
import pino from "pino";
import pinoHttp from "pino-http";

const hostname = process.env.KILN_LISTEN_HOST ?? "127.0.0.1";
const port = Number(process.env.KILN_PORT ?? 3030);
const UNREPRESENTABLE = new Set(["TRACE", "TRACK"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
// Query parameters that may carry a secret (an OAuth code, a token in a link) are not logged.
const SECRET_PARAM = /token|code|state|secret|password|key|ticket/i;

/** The path and query of a request URL, with the values of secret-looking parameters replaced. */
function loggableUrl(raw = "/") {
  // Split by hand: a target Node accepts (`//host:99999/`) can make `new URL` throw, and nothing here may.
  const at = raw.indexOf("?");
  if (at < 0) return raw;
  const query = new URLSearchParams(raw.slice(at + 1));
  for (const name of [...query.keys()]) if (SECRET_PARAM.test(name)) query.set(name, "[redacted]");
  return `${raw.slice(0, at)}?${query}`;
}

// The same settings as lib/log.ts (level, fields, ISO time), so the log reads as one stream.
const logger = pino({
  level: process.env.KILN_LOG_LEVEL || "info",
  base: { service: "kiln" },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});
const requestLog = pinoHttp({
  logger,
  genReqId(request, response) {
    const given = request.headers["x-request-id"];
    const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    // Next's handlers read it from the request; the client gets it back.
    request.headers["x-request-id"] = id;
    response.setHeader("x-request-id", id);
    return id;
  },
  customAttributeKeys: { reqId: "reqId" },
  quietReqLogger: true,
  serializers: {
    req: (request) => ({ method: request.method, url: loggableUrl(request.url) }),
    res: (response) => ({ statusCode: response.statusCode }),
  },
  customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? "error" : "info"),
  // Next rewrites request.url (it drops the base path); originalUrl is what was asked.
  customSuccessMessage: (request, response) => `${request.method} ${loggableUrl(request.originalUrl)} ${response.statusCode}`,
  customErrorMessage: (request, response) => `${request.method} ${loggableUrl(request.originalUrl)} ${response.statusCode}`,
});

const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((request, response) => {
  request.originalUrl = request.url;
  requestLog(request, response);
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
server.listen(port, hostname, () => logger.info(`listening on http://${hostname}:${port}`));
