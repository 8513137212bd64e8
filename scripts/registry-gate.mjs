// The registry's front door on 127.0.0.1: Debian's registry (htpasswd) cannot tell a pusher from
// a puller, so it listens on a unix socket only root can reach and this gate decides: Kiln's
// credentials may do anything, the engine's may only read, anyone else gets a 401. Nothing to
// install: Node's http module, streaming both ways so blobs never sit in memory.
// Usage: node registry-gate.mjs (REGISTRY_GATE_LISTEN, REGISTRY_GATE_SOCKET and the two
// credentials come from the environment that scripts/registry.sh sets).
import { timingSafeEqual } from "node:crypto";
import http from "node:http";

const [host, port] = (process.env.REGISTRY_GATE_LISTEN ?? "127.0.0.1:5000").split(":");
const socketPath = process.env.REGISTRY_GATE_SOCKET;
const writers = credential(process.env.REGISTRY_GATE_WRITER);
const readers = credential(process.env.REGISTRY_GATE_READER);
const READ_METHODS = new Set(["GET", "HEAD"]);

function credential(pair) {
  if (!pair || !pair.includes(":")) throw new Error("set REGISTRY_GATE_WRITER and REGISTRY_GATE_READER to user:password");
  return Buffer.from(`Basic ${Buffer.from(pair).toString("base64")}`);
}

function same(given, expected) {
  const actual = Buffer.from(given ?? "");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function refuse(response, status, message) {
  response.writeHead(status, {
    "content-type": "application/json",
    "docker-distribution-api-version": "registry/2.0",
    // Engines send their credentials only once asked.
    ...(status === 401 ? { "www-authenticate": 'Basic realm="kiln-registry"' } : {}),
  });
  response.end(JSON.stringify({ errors: [{ code: status === 401 ? "UNAUTHORIZED" : "DENIED", message }] }));
}

http
  .createServer((request, response) => {
    const auth = request.headers.authorization;
    const writer = same(auth, writers);
    if (!writer && !same(auth, readers)) return refuse(response, 401, "authentication required");
    if (!writer && !READ_METHODS.has(request.method ?? "")) return refuse(response, 403, "these credentials may only pull");
    const headers = { ...request.headers };
    delete headers.authorization;
    const upstream = http.request({ socketPath, method: request.method, path: request.url, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on("error", (error) => {
      // The only trace of a failed push otherwise is the engine's "502 Bad Gateway".
      console.error(`${new Date().toISOString()} ${request.method} ${request.url?.split("?")[0]}: ${error.message}`);
      // Mid-answer, no status can be sent any more: the engine sees the connection end.
      if (response.headersSent) response.destroy();
      else refuse(response, 502, "the registry is not answering");
    });
    request.pipe(upstream);
  })
  .listen(Number(port), host);
