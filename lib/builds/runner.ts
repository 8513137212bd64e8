import "server-only";
import { log } from "@/lib/log";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { isTransientDatabaseError } from "@/lib/db";
import { BuilderStartError, builderPushesImage, containersWithLabel, followOutput, removeContainer, removeContainerAndWait, runContainer, stopContainer, waitForExit } from "@/lib/engine/containers";
import { builderImagePresent, imageInfo, isTransientPushError, pushImage } from "@/lib/engine/images";
import type { Build } from "@/lib/generated/prisma/client";
import { builderFetchSettings, repo2dockerCommand, repo2dockerConfig } from "@/lib/repos/fetch-plan";
import { cutMark, formatBytes, LineSplitter, parseOutputLine, type RawLine } from "./output";
import type { BuildStatus } from "./status";
import { buildSettings } from "./settings";
import { summariseFailure, type FailureSummary } from "./failure";
import { appendOutput, finishBuild, readNewestStoredLines, updateBuild } from "./store";

// Runs one build's repo2docker container and records everything it prints. A runner can also
// pick up a container that an earlier Kiln process started: it replays the output from the
// start and skips the lines already recorded, so nothing is lost or stored twice.
//
// Memory is bounded whatever the build prints: a line is cut at logMaxLineBytes, and when more
// than PENDING_LINES_MAX lines (or PENDING_BYTES_MAX) wait to be stored, Kiln stops reading the
// container until they are; the engine holds the rest.

export const BUILD_LABEL = "org.kiln.build-id";
/** On every image Kiln builds: JSON of the Binder spec, provider, requested ref and builder image. */
export const IMAGE_LABEL = "org.kiln.build";
/**
 * The least time between the starts of two writes of one build: a line that follows a quiet
 * spell is written at once; a steady trickle is written at most this often, not a write per line.
 */
const FLUSH_INTERVAL_MS = 15;
/** How often only the count of lines read is saved (after the log is capped, nothing else changes). */
const COUNTER_FLUSH_MS = 1000;
const PENDING_LINES_MAX = 2000;
const PENDING_BYTES_MAX = 4 * 1024 * 1024;
/**
 * What a stored line costs against the log's cap beyond its text, so empty lines are not free:
 * every line is numbered, sent, and drawn by each viewer, whatever its length.
 */
export const LINE_OVERHEAD_BYTES = 128;
/** How long the runner retries a database that is away before leaving the build to the scheduler. */
const DATABASE_RETRY_MS = 30_000;
// A push cut by a registry hiccup is tried again, a little later each time.
const PUSH_ATTEMPTS = 3;
/**
 * Runs of the builder when the engine's storage fails under it (Podman 4's image store loses a
 * layer while another image is removed): the build is run again from the start, once.
 */
export const ENGINE_FAULT_ATTEMPTS = 2;
const PUSH_RETRY_MS = 2000;

type Settings = ReturnType<typeof buildSettings>;
type StopReason = "cancelled" | "timeout" | "idle";

/** The bytes a line uses of the log's cap. */
export function lineCost(text: string): number {
  return Buffer.byteLength(text, "utf8") + LINE_OVERHEAD_BYTES;
}

/** The database stayed away for longer than the runner waits for it. */
class DatabaseAwayError extends Error {
  override name = "DatabaseAwayError";
}

/** How many of the newest lines a failure summary reads, and how much of each. */
const RECENT_LINES = 400;
const RECENT_LINE_CHARS = 1000;

/**
 * A failed build in a researcher's words: the step and its exit status when the builder named
 * them; otherwise repo2docker's own reason, unless that is only the command line it ran.
 */
export function failureMessage(summary: FailureSummary, repo2dockerReason: string | undefined, exitCode: number): string {
  const match = summary.step ? /^Step (\d+) of (\d+)/.exec(summary.step) : null;
  const where = match ? `step ${match[1]} of ${match[2]}` : "one of its steps";
  if (summary.engineFault) {
    return `The container engine failed under the build at ${where} (${summary.engineFault.replace(/^Error: /, "")}). This is not a problem with the repository: build it again, and if it fails the same way, tell your Hub admin.`;
  }
  if (summary.step) {
    const status = summary.exitStatus !== null ? ` (the command exited with status ${summary.exitStatus})` : "";
    return `The build failed at ${where}${status}. The step and its last output are below: fix the repository, then rebuild.`;
  }
  const reason = repo2dockerReason && !repo2dockerReason.startsWith("Error during build: Command '[") ? repo2dockerReason.slice(0, 500) : null;
  return reason
    ? `repo2docker could not build this repository: ${reason}`
    : `repo2docker could not build this repository (it stopped with exit code ${exitCode}). Its last output is below.`;
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
  private output: Readable | undefined;
  private nextSeq: number;
  private linesConsumed: number;
  private skip: number;
  /** The log's cap used so far (lineCost of every line stored or being stored); the whole cap once capped. */
  private logBytes: number;
  private capped: boolean;
  private truncated: boolean;
  private truncatedStored: boolean;
  private status: BuildStatus;
  private failure: string | undefined;
  private lastLine = "";
  private recent: string[] = [];
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingStatus: BuildStatus | undefined;
  private paused = false;
  private flushQueued = false;
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimerDue = 0;
  private lastFlushAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private failConsume: ((error: unknown) => void) | undefined;
  /** Settles when the runner stops: "abandoned" when it lost the database mid-build. */
  readonly done: Promise<"finished" | "abandoned">;

  constructor(private readonly build: Build, private readonly settings: Settings = buildSettings()) {
    this.nextSeq = build.logLines + 1;
    // The output is read from its start every time, so count from zero and skip what was kept.
    this.linesConsumed = 0;
    this.skip = build.linesConsumed;
    this.logBytes = build.logBytes;
    this.capped = build.logBytes >= settings.logMaxBytes;
    this.truncated = build.logTruncated;
    this.truncatedStored = build.logTruncated;
    this.status = build.status;
    this.done = this.run().then(
      () => "finished" as const,
      async (error: unknown) => {
        this.stopWatching();
        // A write under way lands (or fails) before the closing line takes the next seq.
        await this.flushing.catch(() => undefined);
        if (error instanceof DatabaseAwayError || isTransientDatabaseError(error)) {
          // The container goes on; when the database is back the scheduler re-attaches to it.
          log.error({ err: error }, `build ${build.id}: lost the database; the build will be picked up again`);
          return "abandoned" as const;
        }
        // Stopped (cancelled, out of time, silent) before its builder could start: ends as asked.
        const ending = this.stopReason
          ? this.finish(137)
          : this.persist(() =>
              finishBuild(build.id, "failed", `Kiln could not run this build: ${(error as Error).message}`, {
                error:
                  error instanceof BuilderStartError
                    ? `The builder could not start: ${error.message}.`
                    : "Kiln could not run this build. Try again; if it persists, tell your Hub admin.",
              }),
            );
        if (!this.stopReason) log.error({ err: error }, `build ${build.id} failed inside Kiln`);
        await ending.catch((finishError: unknown) => log.error({ err: finishError }, `build ${build.id}: could not record the failure`));
        // Never leave the builder behind (the scheduler's sweep catches it if the engine is away now).
        if (this.containerId) {
          await removeContainer(this.containerId).catch((removeError: unknown) =>
            log.error({ err: removeError }, `build ${build.id}: could not remove its builder container`),
          );
        }
        return "finished" as const;
      },
    );
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

  private stopLater(reason: StopReason): void {
    this.stop(reason).catch((error: unknown) => log.error({ err: error }, `build ${this.build.id}: could not stop its container`));
  }

  /** Stops timers and reading, on every way out. */
  private stopWatching(): void {
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.output?.destroy();
  }

  /**
   * Runs a database write, retrying while the database is away, busy or slow (a transient
   * error by class and code); after DATABASE_RETRY_MS the runner gives the build up to the
   * scheduler. The writes are idempotent, so a retry after an unheard commit is harmless.
   */
  private async persist<T>(write: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + DATABASE_RETRY_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await write();
      } catch (error) {
        if (!isTransientDatabaseError(error)) throw error;
        if (Date.now() >= deadline) throw new DatabaseAwayError("The database stayed unavailable", { cause: error });
        await sleep(Math.min(100 * 2 ** attempt, 3000));
      }
    }
  }

  private async run(): Promise<void> {
    // Found by label, not by the stored id: Kiln may have died between creating it and saving its id.
    const [existing] = await containersWithLabel(BUILD_LABEL, this.build.id);
    if (existing) {
      this.containerId = existing.id;
    } else {
      if (!(await builderImagePresent(this.build.builderImage))) {
        await this.persist(() =>
          finishBuild(this.build.id, "failed", `The builder image ${this.build.builderImage} is not in the container engine.`, {
            error: `The builder image ${this.build.builderImage} is missing from the container engine. A Hub admin needs to pull or build it.`,
          }),
        );
        return;
      }
      await this.startBuilder();
    }
    if (this.stopReason) await stopContainer(this.containerId!, 2); // cancelled while starting

    const startedAt = (this.build.startedAt ?? new Date()).getTime();
    const remaining = Math.max(0, startedAt + this.settings.timeoutMs - Date.now());
    this.deadlineTimer = setTimeout(() => this.stopLater("timeout"), remaining);
    this.resetIdle();

    for (let attempt = 1; ; attempt += 1) {
      await this.consume(await followOutput(this.containerId!));
      const exitCode = await waitForExit(this.containerId!);
      await this.flush();
      if (exitCode !== 0 && !this.stopReason && attempt < ENGINE_FAULT_ATTEMPTS) {
        const fault = (await this.failureSummary(false)).engineFault;
        if (fault) {
          await this.startAgain(fault, attempt + 1);
          continue;
        }
      }
      clearTimeout(this.deadlineTimer);
      clearTimeout(this.idleTimer);
      await this.finish(exitCode);
      await removeContainer(this.containerId!).catch(() => undefined);
      return;
    }
  }

  /** Creates and starts the builder container, and records it (the build is fetching from now). */
  private async startBuilder(): Promise<void> {
    const containerId = await runContainer(this.containerSpec());
    this.containerId = containerId;
    // Its output is read from its start: nothing of it is recorded yet.
    await this.persist(() => updateBuild(this.build.id, { containerId, linesConsumed: 0, status: "fetching", startedAt: this.build.startedAt ?? new Date() }));
    this.status = "fetching";
  }

  /**
   * The engine failed under the build, not the repository: says so in the log, removes the
   * builder and runs a new one. Its lines follow in the same log; the time limit stays the
   * first run's.
   */
  private async startAgain(fault: string, attempt: number): Promise<void> {
    this.keep(`\u001b[33mThe container engine failed under this build (${fault.replace(/^Error: /, "")}); it is not the repository's fault, so Kiln builds it again (run ${attempt} of ${ENGINE_FAULT_ATTEMPTS}).\u001b[0m`);
    await this.flush();
    await removeContainerAndWait(this.containerId!);
    this.linesConsumed = 0;
    this.skip = 0;
    this.build.linesConsumed = 0;
    this.recent = [];
    this.failure = undefined;
    this.resetIdle();
    await this.startBuilder();
    if (this.stopReason) await stopContainer(this.containerId!, 2); // cancelled meanwhile
  }

  private containerSpec() {
    const b = this.build;
    const socket = this.settings.engineSocketHost;
    const pushesImage = this.settings.push && builderPushesImage();
    const labels = {
      [BUILD_LABEL]: b.id,
      "org.kiln.role": "builder",
    };
    // One label: Podman's builder adds a build step per label, and each step commits a layer
    // (about 0.75 s here). The repository and commit are repo2docker's own repo2docker.repo and
    // repo2docker.ref labels.
    const imageLabels = {
      [IMAGE_LABEL]: JSON.stringify({ spec: b.spec, provider: b.provider, requestedRef: b.requestedRef, builder: b.builderImage }),
    };
    // The builder reaches the repository's host only at the addresses Kiln checked, and its git
    // follows no redirects and no file:// (submodules included).
    const pinned = builderFetchSettings(b.fetchPins);
    return {
      name: `kiln-build-${b.id}`,
      image: b.builderImage,
      cmd: repo2dockerCommand([
        "--no-run",
        "--json-logs",
        "--user-id", "1000",
        "--user-name", "jovyan",
        "--image-name", b.imageName,
        "--ref", b.resolvedRef,
        "--target-repo-dir", "/srv/repo",
        ...(pushesImage ? ["--push"] : []),
        ...Object.entries(imageLabels).flatMap(([key, value]) => ["--label", `${key}=${value}`]),
        "--",
        b.repoUrl,
      ]),
      env: [
        `KILN_REPO2DOCKER_CONFIG=${repo2dockerConfig(b.provider)}`,
        `DOCKER_HOST=unix://${this.settings.engineSocketInBuilder}`,
        `CONTAINER_HOST=unix://${this.settings.engineSocketInBuilder}`,
        ...this.settings.builderEnv,
        ...pinned.env,
      ],
      labels,
      engineSocket: socket ? { host: socket, inBuilder: this.settings.engineSocketInBuilder } : undefined,
      pushesImage,
      extraHosts: pinned.extraHosts,
      limits: this.settings.builderLimits,
    };
  }

  private consume(stream: Readable): Promise<void> {
    const splitter = new LineSplitter(this.settings.logMaxLineBytes);
    this.output = stream;
    return new Promise((resolve, reject) => {
      let ended = false;
      let waiting = false;
      const fail = (error: unknown) => {
        this.failConsume = undefined;
        stream.destroy();
        reject(error);
      };
      const finish = () => {
        for (const line of splitter.end()) this.onLine(line);
        this.failConsume = undefined;
        resolve();
      };
      // Backpressure: when too much waits to be stored, stop (mid-chunk if need be) and read no
      // more until it is; the rest of the chunk waits in `lines`, the rest of the output in the engine.
      const handle = (lines: RawLine[], from: number) => {
        for (let i = from; i < lines.length; i += 1) {
          this.onLine(lines[i]!);
          if (this.pending.length >= PENDING_LINES_MAX || this.pendingBytes >= PENDING_BYTES_MAX) {
            waiting = true;
            this.paused = true;
            stream.pause();
            this.flush().then(() => {
              waiting = false;
              this.paused = false;
              handle(lines, i + 1);
              if (waiting) return;
              if (ended) finish();
              else stream.resume();
            }, fail);
            return;
          }
        }
      };
      this.failConsume = fail;
      stream.on("data", (chunk: Buffer) => {
        this.resetIdle();
        handle(splitter.push(chunk), 0);
      });
      stream.on("end", () => {
        ended = true;
        if (!waiting) finish();
      });
      stream.on("error", fail);
    });
  }

  private onLine(raw: RawLine): void {
    this.linesConsumed += 1;
    if (this.linesConsumed <= this.skip) return; // recorded by an earlier run of Kiln
    const lines = parseOutputLine(raw.text);
    if (raw.cutBytes) {
      this.truncated = true;
      const last = lines[lines.length - 1]!;
      last.text += cutMark(raw.cutBytes, this.settings.logMaxLineBytes);
    }
    for (const line of lines) {
      if (line.failure) this.failure = line.failure.trim();
      if ((line.phase === "fetching" || line.phase === "building") && line.phase !== this.status) {
        this.status = line.phase;
        this.pendingStatus = line.phase;
      }
      if (line.text.trim()) this.lastLine = line.text;
      this.remember(line.text);
      this.keep(line.text);
    }
    this.scheduleFlush();
  }

  /** The newest lines, kept whether or not the log's cap let them be stored: what a failure summary reads. */
  private remember(text: string): void {
    this.recent.push(text.length > RECENT_LINE_CHARS ? text.slice(0, RECENT_LINE_CHARS) : text);
    if (this.recent.length > RECENT_LINES * 2) this.recent = this.recent.slice(-RECENT_LINES);
  }

  /**
   * Where the build stopped: its last step (only when it failed while building) and that step's
   * output, from the lines this run read; a run that re-attached after a restart adds the stored
   * lines from before it (read here, outside any lock).
   */
  private async failureSummary(withStep: boolean): Promise<FailureSummary> {
    const earlier = this.skip > 0 ? await this.persist(() => readNewestStoredLines(this.build.id, RECENT_LINES)) : [];
    const summary = summariseFailure([...earlier, ...this.recent.slice(-RECENT_LINES)]);
    return withStep ? summary : { ...summary, step: null };
  }

  private capNotice(): string {
    return `\u001b[33m… Kiln keeps the first ${formatBytes(this.settings.logMaxBytes)} of a build's log; the rest is not stored. The build goes on.\u001b[0m`;
  }

  private keep(text: string): void {
    if (this.capped) return;
    const cost = lineCost(text);
    const notice = this.capNotice();
    // Room is always left for the notice, so the log never goes over its cap.
    if (this.logBytes + this.pendingBytes + cost + lineCost(notice) > this.settings.logMaxBytes) {
      this.capped = true;
      this.truncated = true;
      this.pending.push(notice);
      // The whole cap counts as used, so a runner that re-attaches knows the log is capped.
      this.pendingBytes = this.settings.logMaxBytes - this.logBytes;
      return;
    }
    this.pending.push(text);
    this.pendingBytes += cost;
  }

  /**
   * Lines are written as soon as the write before them is done and FLUSH_INTERVAL_MS has passed
   * since it started: what arrives meanwhile goes in the next write, so a busy build still
   * writes in chunks and a line after a quiet spell waits for nothing.
   */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    const due = this.pending.length || this.pendingStatus ? this.lastFlushAt + FLUSH_INTERVAL_MS : Date.now() + COUNTER_FLUSH_MS;
    if (due <= Date.now()) {
      void this.flushOrFail();
    } else if (!this.flushTimer || due < this.flushTimerDue) {
      clearTimeout(this.flushTimer);
      this.flushTimerDue = due;
      this.flushTimer = setTimeout(() => void this.flushOrFail(), due - Date.now());
    }
  }

  /** A flush nobody awaits: its failure stops reading, which fails the run. */
  private flushOrFail(): Promise<void> {
    return this.flush().catch((error: unknown) => {
      if (this.failConsume) this.failConsume(error);
    });
  }

  /**
   * Writes what is pending; flushes run one after another so seqs stay in order. At most one
   * waits behind the running one: it takes everything pending when its turn comes.
   */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.flushQueued) return this.flushing;
    this.flushQueued = true;
    this.flushing = this.flushing.then(async () => {
      this.flushQueued = false;
      this.lastFlushAt = Date.now();
      const lines = this.pending;
      const status = this.pendingStatus;
      const newlyTruncated = this.truncated && !this.truncatedStored;
      if (!lines.length && !status && !newlyTruncated && this.linesConsumed <= this.build.linesConsumed) return;
      const logBytes = this.logBytes + this.pendingBytes;
      const truncated = this.truncated;
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingStatus = undefined;
      const firstSeq = this.nextSeq;
      const linesConsumed = Math.max(this.linesConsumed, this.build.linesConsumed);
      // Counted as used from now on: lines kept while this write is under way must fit beside it.
      this.logBytes = logBytes;
      await this.persist(() => appendOutput(this.build.id, { firstSeq, lines, logBytes, linesConsumed, truncated, status }));
      this.nextSeq += lines.length;
      this.build.linesConsumed = linesConsumed;
      this.truncatedStored ||= truncated;
    });
    return this.flushing;
  }

  private resetIdle(): void {
    clearTimeout(this.idleTimer);
    // While reading is paused for the database, silence is Kiln's, not the build's.
    this.idleTimer = setTimeout(() => (this.paused ? this.resetIdle() : this.stopLater("idle")), this.settings.idleMs);
  }

  private async finish(exitCode: number): Promise<void> {
    const id = this.build.id;
    const finish = (...args: Parameters<typeof finishBuild>) => this.persist(() => finishBuild(...args));
    if (this.stopReason === "cancelled") {
      await finish(id, "cancelled", "\u001b[33mBuild cancelled.\u001b[0m", { error: "The build was cancelled.", exitCode });
      return;
    }
    const building = this.status === "building";
    if (this.stopReason === "timeout") {
      const message = `The build took longer than the ${duration(this.settings.timeoutMs)} a build may take, so Kiln stopped it.`;
      await finish(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode, summary: await this.failureSummary(building) });
      return;
    }
    if (this.stopReason === "idle") {
      const message = `The build printed nothing for ${duration(this.settings.idleMs)}, so Kiln stopped it.`;
      await finish(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode, summary: await this.failureSummary(building) });
      return;
    }
    if (exitCode !== 0) {
      const summary = await this.failureSummary(building);
      const message = failureMessage(summary, this.failure, exitCode);
      // The log's own last line has no "below": only the build page shows the summary.
      const closing = summary.step ? message.slice(0, message.indexOf(". ") + 1) : message;
      await finish(id, "failed", `\u001b[31m${closing}\u001b[0m`, { error: message, exitCode, summary });
      return;
    }
    const image = await imageInfo(this.build.imageName);
    if (!image) {
      const message = "repo2docker finished but the image is not in the engine.";
      await finish(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode, summary: await this.failureSummary(false) });
      return;
    }
    if (this.settings.push) {
      await this.persist(() => updateBuild(id, { status: "pushing" }));
      for (let attempt = 1; ; attempt++) {
        try {
          await pushImage(this.build.imageName, (line) => {
            this.keep(line);
            this.scheduleFlush();
          });
          await this.flush();
          break;
        } catch (error) {
          if (error instanceof DatabaseAwayError) throw error;
          const reason = (error as Error).message;
          if (attempt < PUSH_ATTEMPTS && isTransientPushError(reason) && !this.stopReason) {
            this.keep(`\u001b[33mPushing failed (${reason}); trying again (attempt ${attempt + 1} of ${PUSH_ATTEMPTS}).\u001b[0m`);
            await this.flush();
            await sleep(PUSH_RETRY_MS * attempt);
            continue;
          }
          await this.flush();
          const message = `Pushing ${this.build.imageName} to the registry failed: ${reason}`;
          await finish(id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message, exitCode, summary: await this.failureSummary(false) });
          return;
        }
      }
    }
    await finish(id, "built", `\u001b[32mBuilt ${this.build.imageName}.\u001b[0m`, { exitCode, imageSizeBytes: image.sizeBytes });
  }
}
