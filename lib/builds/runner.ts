import "server-only";
import type { Readable } from "node:stream";
import { containersWithLabel, followOutput, removeContainer, runContainer, stopContainer, waitForExit } from "@/lib/engine/containers";
import { imageInfo, pushImage } from "@/lib/engine/images";
import type { Build } from "@/lib/generated/prisma/client";
import { LineSplitter, parseOutputLine } from "./output";
import type { BuildStatus } from "./schema";
import { buildSettings } from "./settings";
import { appendOutput, finishBuild, updateBuild } from "./store";

// Runs one build's repo2docker container and records everything it prints. A runner can also
// pick up a container that an earlier Kiln process started: it replays the output from the
// start and skips the lines already recorded, so nothing is lost or stored twice.

export const BUILD_LABEL = "org.kiln.build-id";
const FLUSH_MS = 50;
const FLUSH_LINES = 500;

type Settings = ReturnType<typeof buildSettings>;
type StopReason = "cancelled" | "timeout" | "idle";

/** A connection-level database failure (restart, network), as opposed to a bad query. */
function isDatabaseGone(error: unknown): boolean {
  const text = `${(error as { code?: string }).code ?? ""} ${(error as Error).message ?? ""}`;
  // Prisma's connection codes, PostgreSQL's 08xxx (connection) and 57P0x (shutdown) states.
  return /P1001|P1017|\b08\d{3}\b|\b57P0\d\b|ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection|shutting down|Can't reach database|DatabaseNotReachable|ConnectionClosed/i.test(text);
}

/** "90 seconds", "10 minutes": how limits are named in failure messages. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minutes`;
}

export class BuildRunner {
  private stopReason: StopReason | undefined;
  private containerId: string | undefined;
  private nextSeq: number;
  private linesConsumed: number;
  private skip: number;
  private logBytes: number;
  private truncated: boolean;
  private status: BuildStatus;
  private failure: string | undefined;
  private lastLine = "";
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingStatus: BuildStatus | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when the runner stops: "abandoned" when it lost the database mid-build. */
  readonly done: Promise<"finished" | "abandoned">;

  constructor(private readonly build: Build, private readonly settings: Settings = buildSettings()) {
    this.nextSeq = build.logLines + 1;
    // The output is read from its start every time, so count from zero and skip what was kept.
    this.linesConsumed = 0;
    this.skip = build.linesConsumed;
    this.logBytes = build.logBytes;
    this.truncated = build.logTruncated;
    this.status = build.status;
    this.done = this.run().then(() => "finished" as const, async (error: unknown) => {
      if (isDatabaseGone(error)) {
        // The container goes on; when the database is back the scheduler re-attaches to it.
        console.error(`[kiln] build ${build.id}: lost the database; the build will be picked up again`, (error as Error).message);
        return "abandoned" as const;
      }
      console.error(`[kiln] build ${build.id} failed inside Kiln`, error);
      await finishBuild(build.id, "failed", `Kiln could not run this build: ${(error as Error).message}`, {
        error: "Kiln could not run this build. Try again; if it persists, tell your Hub admin.",
      }).catch(() => undefined);
      return "finished" as const;
    });
  }

  get id() {
    return this.build.id;
  }

  /** Stops the container; the build ends as cancelled. */
  async cancel(): Promise<void> {
    await this.stop("cancelled");
  }

  private async stop(reason: StopReason): Promise<void> {
    this.stopReason ??= reason;
    if (this.containerId) await stopContainer(this.containerId, 2);
  }

  private async run(): Promise<void> {
    // Found by label, not by the stored id: Kiln may have died between creating it and saving its id.
    const [existing] = await containersWithLabel(BUILD_LABEL, this.build.id);
    if (existing) {
      this.containerId = existing.id;
    } else {
      if (!(await imageInfo(this.build.builderImage))) {
        await finishBuild(this.build.id, "failed", `The builder image ${this.build.builderImage} is not in the container engine.`, {
          error: `The builder image ${this.build.builderImage} is missing from the container engine. A Hub admin needs to pull or build it.`,
        });
        return;
      }
      this.containerId = await runContainer(this.containerSpec());
      await updateBuild(this.build.id, { containerId: this.containerId, status: "fetching", startedAt: this.build.startedAt ?? new Date() });
      this.status = "fetching";
    }
    if (this.stopReason) await stopContainer(this.containerId, 2); // cancelled while starting

    const startedAt = (this.build.startedAt ?? new Date()).getTime();
    const remaining = Math.max(0, startedAt + this.settings.timeoutMs - Date.now());
    this.deadlineTimer = setTimeout(() => void this.stop("timeout"), remaining);
    this.resetIdle();

    await this.consume(await followOutput(this.containerId));
    const exitCode = await waitForExit(this.containerId);
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.idleTimer);
    await this.flush();
    await this.finish(exitCode);
    await removeContainer(this.containerId).catch(() => undefined);
  }

  private containerSpec() {
    const b = this.build;
    const socket = this.settings.engineSocketHost;
    const labels = {
      [BUILD_LABEL]: b.id,
      "org.kiln.role": "builder",
    };
    const imageLabels = {
      "org.kiln.repository": b.repoUrl,
      "org.kiln.provider": b.provider,
      "org.kiln.requested-ref": b.requestedRef,
      "org.kiln.resolved-ref": b.resolvedRef,
      "org.kiln.spec": b.spec,
      "org.kiln.builder": b.builderImage,
    };
    return {
      name: `kiln-build-${b.id}`,
      image: b.builderImage,
      cmd: [
        "jupyter-repo2docker",
        "--no-run",
        "--json-logs",
        "--user-id", "1000",
        "--user-name", "jovyan",
        "--image-name", b.imageName,
        "--ref", b.resolvedRef,
        "--target-repo-dir", "/srv/repo",
        ...Object.entries(imageLabels).flatMap(([key, value]) => ["--label", `${key}=${value}`]),
        b.repoUrl,
      ],
      env: [
        `DOCKER_HOST=unix://${this.settings.engineSocketInBuilder}`,
        `CONTAINER_HOST=unix://${this.settings.engineSocketInBuilder}`,
        ...this.settings.builderEnv,
      ],
      labels,
      binds: socket ? [`${socket}:${this.settings.engineSocketInBuilder}`] : [],
    };
  }

  private consume(stream: Readable): Promise<void> {
    const splitter = new LineSplitter();
    return new Promise((resolve, reject) => {
      stream.on("data", (chunk: Buffer) => {
        this.resetIdle();
        for (const line of splitter.push(chunk)) this.onLine(line);
      });
      stream.on("end", () => {
        for (const line of splitter.end()) this.onLine(line);
        resolve();
      });
      stream.on("error", reject);
    });
  }

  private onLine(raw: string): void {
    this.linesConsumed += 1;
    if (this.linesConsumed <= this.skip) return; // recorded by an earlier run of Kiln
    for (const line of parseOutputLine(raw)) {
      if (line.failure) this.failure = line.failure.trim();
      if ((line.phase === "fetching" || line.phase === "building") && line.phase !== this.status) {
        this.status = line.phase;
        this.pendingStatus = line.phase;
      }
      if (line.text.trim()) this.lastLine = line.text;
      this.keep(line.text);
    }
    this.scheduleFlush();
  }

  private keep(text: string): void {
    if (this.truncated) return;
    const bytes = Buffer.byteLength(text, "utf8") + 1;
    if (this.logBytes + this.pendingBytes + bytes > this.settings.logMaxBytes) {
      this.truncated = true;
      const limit = this.settings.logMaxBytes >= 1024 * 1024 ? `${Math.round(this.settings.logMaxBytes / 1024 / 1024)} MiB` : `${this.settings.logMaxBytes} bytes`;
      this.pending.push(`\u001b[33m… Kiln keeps the first ${limit} of a build's log; the rest is not stored. The build goes on.\u001b[0m`);
      return;
    }
    this.pending.push(text);
    this.pendingBytes += bytes;
  }

  private scheduleFlush(): void {
    if (this.pending.length >= FLUSH_LINES) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is pending; flushes run one after another so seqs stay in order. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(async () => {
      const lines = this.pending;
      const bytes = this.pendingBytes;
      const status = this.pendingStatus;
      if (!lines.length && !status && this.linesConsumed <= this.build.linesConsumed) return;
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingStatus = undefined;
      const firstSeq = this.nextSeq;
      this.nextSeq += lines.length;
      this.logBytes += bytes;
      const linesConsumed = Math.max(this.linesConsumed, this.build.linesConsumed);
      await appendOutput(this.build.id, { firstSeq, lines, bytes, linesConsumed, truncated: this.truncated, status });
      this.build.linesConsumed = linesConsumed;
    });
    return this.flushing;
  }

  private resetIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stop("idle"), this.settings.idleMs);
  }

  private async finish(exitCode: number): Promise<void> {
    const id = this.build.id;
    if (this.stopReason === "cancelled") {
      await finishBuild(id, "cancelled", "\u001b[33mBuild cancelled.\u001b[0m", { error: "The build was cancelled.", exitCode });
      return;
    }
    if (this.stopReason === "timeout") {
      const message = `The build took longer than the ${duration(this.settings.timeoutMs)} a build may take, so Kiln stopped it.`;
      await finishBuild(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode });
      return;
    }
    if (this.stopReason === "idle") {
      const message = `The build printed nothing for ${duration(this.settings.idleMs)}, so Kiln stopped it.`;
      await finishBuild(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode });
      return;
    }
    if (exitCode !== 0) {
      const reason = this.failure ?? this.lastLine ?? "";
      const message = `repo2docker failed (exit code ${exitCode})${reason ? `: ${reason.slice(0, 500)}` : "."}`;
      await finishBuild(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode });
      return;
    }
    const image = await imageInfo(this.build.imageName);
    if (!image) {
      const message = "repo2docker finished but the image is not in the engine.";
      await finishBuild(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode });
      return;
    }
    if (this.settings.push) {
      await updateBuild(id, { status: "pushing" });
      try {
        await pushImage(this.build.imageName, (line) => {
          this.keep(line);
          this.scheduleFlush();
        });
        await this.flush();
      } catch (error) {
        await this.flush();
        const message = `Pushing ${this.build.imageName} to the registry failed: ${(error as Error).message}`;
        await finishBuild(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode });
        return;
      }
    }
    await finishBuild(id, "built", `\u001b[32mBuilt ${this.build.imageName}.\u001b[0m`, { exitCode, imageSizeBytes: image.sizeBytes });
  }
}
