// The registry's front door on 127.0.0.1: Debian's registry (htpasswd) cannot tell a pusher from
// a puller, so it listens on a unix socket only root can reach and this gate decides: Kiln's
// credentials may do anything, the engine's may only read, build pods' (Kubernetes mode) may
// push new tags under Kiln's prefix but never delete or overwrite one, anyone else gets a 401.
// Nothing to install: Node's http module, streaming both ways so blobs never sit in memory.
// Usage: node registry-gate.mjs (REGISTRY_GATE_LISTEN, REGISTRY_GATE_SOCKET, the credentials
// and REGISTRY_GATE_PUSH_PREFIX come from the environment that scripts/registry.sh sets).
import { timingSafeEqual } from "node:crypto";
import http from "node:http";

const [host, port] = (process.env.REGISTRY_GATE_LISTEN ?? "127.0.0.1:5000").split(":");
const socketPath = process.env.REGISTRY_GATE_SOCKET;
const writers = credential(process.env.REGISTRY_GATE_WRITER);
const readers = credential(process.env.REGISTRY_GATE_READER);
const pushers = credential(process.env.REGISTRY_GATE_PUSHER);
const pushPrefix = process.env.REGISTRY_GATE_PUSH_PREFIX ?? "kiln-";
const READ_METHODS = new Set(["GET", "HEAD"]);
const PUSH_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH"]);
const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/?]+)/;

function credential(pair) {
  if (!pair || !pair.includes(":")) throw new Error("set REGISTRY_GATE_WRITER, REGISTRY_GATE_READER and REGISTRY_GATE_PUSHER to user:password");
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
    const pusher = !writer && same(auth, pushers);
    if (!writer && !pusher && !same(auth, readers)) return refuse(response, 401, "authentication required");
    if (!writer && !pusher && !READ_METHODS.has(request.method ?? "")) return refuse(response, 403, "these credentials may only pull");
    if (pusher) {
      const path = request.url ?? "";
      const plain = !/%|\.\./.test(path.split("?")[0] ?? ""); // no escapes or dot segments to read the prefix past
      if (path !== "/v2/" && !(plain && path.startsWith(`/v2/${pushPrefix}`))) return refuse(response, 403, `these credentials may only push under ${pushPrefix}`);
      if (!PUSH_METHODS.has(request.method ?? "")) return refuse(response, 403, "these credentials may not delete");
      const manifest = request.method === "PUT" ? MANIFEST.exec(path) : null;
      // A tag once pushed is never replaced by a build pod (a digest reference is content itself).
      if (manifest && !manifest[2].startsWith("sha256:")) return refuseOverwrite(request, response, manifest[1], manifest[2]);
    }
    forward(request, response);
  })
  .listen(Number(port), host);

/** Lets a build pod's manifest through only when the tag does not exist yet. */
function refuseOverwrite(request, response, name, tag) {
  // Every manifest type: asked without one, the registry says 404 for an OCI image it holds.
  const accept = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
  ].join(", ");
  const check = http.request({ socketPath, method: "HEAD", path: `/v2/${name}/manifests/${tag}`, headers: { accept } }, (answer) => {
    answer.resume();
    if (answer.statusCode === 404) forward(request, response);
    else refuse(response, 403, `the tag ${name}:${tag} exists; build pods never overwrite a tag`);
  });
  check.on("error", () => refuse(response, 502, "the registry is not answering"));
  check.end();
}

function forward(request, response) {
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
}
