import path from "node:path";
import { execFileSync } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer, type GitServer } from "@/test/git-server";
import { startProviderStub, type ProviderStub } from "@/test/provider-stub";
import { createTempDatabase, type TempDatabase } from "@/test/temp-database";
import { migrate, readMigrations } from "@/lib/migrations/migrator";

// The runner against the real engine and real repo2docker, with limits small enough to hit.

const builderImage = process.env.KILN_REPO2DOCKER_IMAGE ?? "localhost/kiln-repo2docker:2026.4.0";
const engineSocket = process.env.PODMAN_SOCKET ?? "/run/podman/podman.sock";
const podman = (...args: string[]) => execFileSync("podman", ["--url", `unix://${engineSocket}`, ...args], { encoding: "utf8" }).trim();

let database: TempDatabase;
let git: GitServer;
let stub: ProviderStub;
let runnerModule: typeof import("./runner");
let dbModule: typeof import("@/lib/db");
let userId: number;
const images: string[] = [];

beforeAll(async () => {
  database = await createTempDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await migrate(client, await readMigrations(path.resolve(import.meta.dirname, "../../prisma/migrations")));
  await client.end();
  git = await startGitServer();
  stub = await startProviderStub();
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    DOCKER_HOST: `unix://${engineSocket}`,
    JUPYTERHUB_API_URL: "http://127.0.0.1:9/hub/api",
    JUPYTERHUB_API_TOKEN: "unused-in-this-test-0000",
    JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:9",
    NEXTAUTH_URL: "http://127.0.0.1:9/services/kiln/api/auth",
    NEXTAUTH_SECRET: "x".repeat(32),
  });
  runnerModule = await import("./runner");
  dbModule = await import("@/lib/db");
  userId = (await dbModule.db().user.create({ data: { name: "runner-test" } })).id;
}, 60_000);

afterAll(async () => {
  for (const image of images) {
    try {
      podman("rmi", "-f", image);
    } catch {
      // already gone
    }
  }
  await dbModule?.db().$disconnect();
  await git?.stop();
  await stub?.close();
  await database?.drop();
});

async function runBuild(name: string, dockerfileRun: string, limits: Partial<{ timeoutMs: number; idleMs: number; logMaxBytes: number }>) {
  const sha = git.commit(name, { Dockerfile: `FROM localhost/kiln-singleuser:5.5.4\nRUN echo "runner test ${name} ${Date.now()}"\n${dockerfileRun}\n` });
  const imageName = `kiln-runner-test-${name}:${sha}`;
  images.push(imageName);
  const build = await dbModule.db().build.create({
    data: {
      provider: "git",
      repoUrl: git.url(name),
      spec: `git/${encodeURIComponent(git.url(name))}/HEAD`,
      displayName: name,
      requestedRef: "HEAD",
      resolvedRef: sha,
      imageName,
      builderImage,
      status: "fetching",
      startedAt: new Date(),
      requestedById: userId,
    },
  });
  const runner = new runnerModule.BuildRunner(build, {
    builderImage,
    engineSocketHost: engineSocket,
    engineSocketInBuilder: engineSocket,
    builderEnv: [`R2D_DATAVERSE_INSTALLATIONS_URL=${stub.base}/dataverse-installations.json`],
    imagePrefix: "kiln-runner-test-",
    push: false,
    concurrency: 1,
    perUser: 1,
    timeoutMs: 600_000,
    idleMs: 600_000,
    logMaxBytes: 10 * 1024 * 1024,
    ...limits,
  });
  await runner.done;
  const finished = await dbModule.db().build.findUniqueOrThrow({ where: { id: build.id } });
  const lines = await dbModule.db().buildLogLine.findMany({ where: { buildId: build.id }, orderBy: { seq: "asc" } });
  const containers = podman("ps", "-a", "-q", "--filter", `label=${runnerModule.BUILD_LABEL}=${build.id}`);
  return { finished, lines, containers };
}

describe("BuildRunner limits", () => {
  it("keeps the log up to its size limit, says so, and still completes the build", async () => {
    const { finished, lines, containers } = await runBuild("big-log", 'RUN for i in $(seq 1 300); do echo "line $i $(printf "%0100d" 0)"; done', { logMaxBytes: 4000 });
    expect(finished.status).toBe("built");
    expect(finished.logTruncated).toBe(true);
    expect(finished.logBytes).toBeLessThanOrEqual(4000);
    expect(lines.map((l) => l.text).join("\n")).toContain("Kiln keeps the first 4000 bytes of a build's log; the rest is not stored. The build goes on.");
    expect(lines.at(-1)?.text).toContain("Built kiln-runner-test-big-log");
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(podman("image", "exists", finished.imageName) === "").toBe(true);
    expect(containers).toBe("");
  }, 120_000);

  it("stops a build that prints nothing for too long", async () => {
    const { finished, containers } = await runBuild("idle", "RUN sleep 60", { idleMs: 4000 });
    expect(finished.status).toBe("failed");
    expect(finished.error).toBe("The build printed nothing for 4 seconds, so Kiln stopped it.");
    expect(containers).toBe("");
  }, 120_000);

  it("stops a build that runs longer than allowed", async () => {
    const { finished, lines } = await runBuild("slow", 'RUN for i in $(seq 1 120); do echo "tick $i"; sleep 0.5; done', { timeoutMs: 8000 });
    expect(finished.status).toBe("failed");
    expect(finished.error).toBe("The build took longer than the 8 seconds a build may take, so Kiln stopped it.");
    expect(lines.some((l) => l.text === "tick 2")).toBe(true);
    expect(lines.some((l) => l.text === "tick 100")).toBe(false);
  }, 120_000);
});

describe("duration", () => {
  it("names short limits in seconds and long ones in minutes", () => {
    expect(runnerModule.duration(1000)).toBe("1 second");
    expect(runnerModule.duration(90_000)).toBe("90 seconds");
    expect(runnerModule.duration(3_600_000)).toBe("60 minutes");
  });
});
