import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// A real git server on 127.0.0.1 (git's own daemon) serving repositories the tests make.

export interface GitServer {
  root: string;
  port: number;
  url(name: string): string;
  /** Creates (or adds a commit to) repository `name` with `files`; returns the new commit SHA. */
  commit(name: string, files: Record<string, string>, options?: { branch?: string; tag?: string }): string;
  stop(): Promise<void>;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.email=kiln@example.org", "-c", "user.name=Kiln tests", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** git's daemon serving every repository under `root` on 127.0.0.1:`port`. */
export async function startGitDaemon(root: string, port: number): Promise<{ stop(): Promise<void> }> {
  // A daemon left by an interrupted run would answer in this one's place, from another root.
  if (await portAnswers(port)) {
    throw new Error(`port ${port} is already taken (a git daemon left by an interrupted test run? stop it: pkill -f "git daemon")`);
  }
  const daemon: ChildProcess = spawn(
    "git",
    ["daemon", "--reuseaddr", "--export-all", `--base-path=${root}`, "--listen=127.0.0.1", `--port=${port}`, root],
    { stdio: "ignore" },
  );
  const exited = new Promise<never>((_, reject) => daemon.once("exit", (code) => reject(new Error(`git daemon exited (${code}); is port ${port} taken?`))));
  await Promise.race([waitForPort(port), exited]);
  return {
    stop: async () => {
      daemon.kill();
    },
  };
}

export async function startGitServer(options: { root?: string; port?: number } = {}): Promise<GitServer> {
  const root = options.root ?? mkdtempSync(path.join(tmpdir(), "kiln-git-"));
  const port = options.port ?? (await freePort());
  const daemon = await startGitDaemon(root, port);
  return {
    root,
    port,
    url: (name) => `git://127.0.0.1:${port}/${name}.git`,
    commit: (name, files, options) => commitFiles(root, name, files, options),
    async stop() {
      await daemon.stop();
      if (!options.root) rmSync(root, { recursive: true, force: true });
    },
  };
}

async function portAnswers(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`git daemon did not listen on 127.0.0.1:${port}`);
}

/** Creates (or adds a commit to) repository `<root>/<name>.git` with `files`; returns the commit SHA. */
export function commitFiles(
  root: string,
  name: string,
  files: Record<string, string>,
  { branch = "main", tag }: { branch?: string; tag?: string } = {},
): string {
  const work = path.join(root, `${name}.work`);
  const bare = path.join(root, `${name}.git`);
  execFileSync("mkdir", ["-p", work]);
  try {
    git(work, "rev-parse", "--git-dir");
  } catch {
    git(work, "init", "-q");
  }
  try {
    git(work, "checkout", "-q", branch);
  } catch {
    git(work, "checkout", "-q", "-b", branch);
  }
  for (const [file, content] of Object.entries(files)) {
    execFileSync("mkdir", ["-p", path.dirname(path.join(work, file))]);
    writeFileSync(path.join(work, file), content);
  }
  git(work, "add", "-A");
  git(work, "commit", "-q", "--allow-empty", "-m", `update ${Object.keys(files).join(", ")}`);
  if (tag) git(work, "tag", "-a", tag, "-m", tag);
  const sha = git(work, "rev-parse", "HEAD");
  try {
    git(root, "clone", "-q", "--bare", work, bare);
  } catch {
    git(work, "push", "-q", "--force", "--tags", bare, `${branch}:${branch}`);
  }
  git(bare, "symbolic-ref", "HEAD", "refs/heads/main");
  return sha;
}

export interface GitHttpServer {
  port: number;
  /** `http://<host>:<port>/<name>.git`; `host` defaults to 127.0.0.1. */
  url(name: string, host?: string): string;
  /** Each request as "METHOD /path?query". */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * git's smart HTTP (git http-backend as a CGI) serving every repository under `root` on 127.0.0.1.
 * `redirect` may answer a request path with a Location to send instead.
 */
export async function startGitHttpServer(
  root: string,
  options: { redirect?: (path: string) => string | undefined } = {},
): Promise<GitHttpServer> {
  const { createServer: createHttpServer } = await import("node:http");
  const requests: string[] = [];
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://git.invalid");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const location = options.redirect?.(url.pathname);
    if (location) {
      res.writeHead(301, { location });
      res.end();
      return;
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        NODE_ENV: "test",
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_ADDR: "127.0.0.1",
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(cgi.stdin!);
    const chunks: Buffer[] = [];
    cgi.stdout!.on("data", (chunk: Buffer) => chunks.push(chunk));
    cgi.on("close", () => {
      const output = Buffer.concat(chunks);
      const split = output.indexOf("\r\n\r\n");
      const head = split === -1 ? "" : output.subarray(0, split).toString("latin1");
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(split === -1 ? 500 : status, headers);
      res.end(split === -1 ? output : output.subarray(split + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: (name, host = "127.0.0.1") => `http://${host}:${port}/${name}.git`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Listener {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  stop(): Promise<void>;
}

/** A plain TCP listener on 127.0.0.1 that only counts who connects: proof that nothing was fetched from it. */
export async function startListener(): Promise<Listener> {
  const sockets = new Set<import("node:net").Socket>();
  const listener: Listener = { port: 0, connections: 0, stop: async () => undefined };
  const server = createServer((socket) => {
    listener.connections += 1;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  listener.port = (server.address() as { port: number }).port;
  listener.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return listener;
}
