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

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import("node:net");
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
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
