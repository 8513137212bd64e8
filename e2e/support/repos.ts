import { randomBytes } from "node:crypto";
import { commitFiles } from "@/test/git-server";
import { stackEnv } from "./stack";

// Repositories for the specs, served by the git daemon that global-setup started.

const base = "localhost/kiln-singleuser:5.5.4";

/** A fresh repository (its own name, so never built before) whose Dockerfile runs `run`. */
export function dockerRepo(label: string, run: string): { url: string; name: string; sha: string } {
  const root = process.env.KILN_E2E_GIT_ROOT;
  if (!root) throw new Error("KILN_E2E_GIT_ROOT is not set: global-setup did not run");
  const name = `${label}-${randomBytes(4).toString("hex")}`;
  const sha = commitFiles(root, name, {
    // The first RUN names the repository, so no layer of an earlier spec's build is reused.
    Dockerfile: `FROM ${base}\nRUN echo "building ${name}"\n${run}\n`,
    "README.md": `# ${name}\n`,
  });
  return { url: `git://127.0.0.1:${stackEnv().gitPort}/${name}.git`, name, sha };
}

/** A Dockerfile RUN that prints `count` numbered lines, `delay` seconds apart. */
export const printLines = (count: number, delay = 0.1, prefix = "kiln-line") =>
  `RUN for i in $(seq 1 ${count}); do echo "${prefix}-$i"; sleep ${delay}; done`;

/**
 * The lines printLines' step printed, in the order the log has them. Podman's builder logs a
 * step's output as it is; Docker Engine's BuildKit prefixes each line with its step and time
 * ("#5 0.231 kiln-line-1"), which is what a researcher sees there too.
 */
export const printedLines = (log: string, prefix = "kiln-line"): string[] =>
  [...log.matchAll(new RegExp(`^(?:#\\d+ \\d+\\.\\d+ )?(${prefix}-\\d+)$`, "gm"))].map((match) => match[1]!);

/**
 * A fresh repository whose image carries its files in /srv/repo, as repo2docker's buildpacks
 * do (a Dockerfile build copies them itself).
 */
export function repoWithFiles(label: string, files: Record<string, string>): { url: string; name: string; sha: string } {
  const root = process.env.KILN_E2E_GIT_ROOT;
  if (!root) throw new Error("KILN_E2E_GIT_ROOT is not set: global-setup did not run");
  const name = `${label}-${randomBytes(4).toString("hex")}`;
  const sha = commitFiles(root, name, {
    Dockerfile: `FROM ${base}\nRUN echo "building ${name}"\nCOPY --chown=1000:1000 . /srv/repo\n`,
    ...files,
  });
  return { url: `git://127.0.0.1:${stackEnv().gitPort}/${name}.git`, name, sha };
}
