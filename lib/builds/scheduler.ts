import "server-only";
import { log } from "@/lib/log";
import type pg from "pg";
import { db, dedicatedConnection } from "@/lib/db";
import type { Build } from "@/lib/generated/prisma/client";
import { containersWithLabel, removeContainer } from "@/lib/engine/containers";
import { BUILD_LABEL, BuildRunner } from "./runner";
import { activeStatuses, runningStatuses } from "./status";
import { buildSettings } from "./settings";
import { finishBuild, QUEUE_CHANNEL } from "./store";

// The build queue lives in PostgreSQL. One Kiln process at a time (whoever holds the advisory
// lock) starts builds, re-attaches to builds left running by a previous process, and finalises
// those that ended while no Kiln was watching. Other processes only serve pages and streams.

const SCHEDULER_LOCK = 0x6b696c6e; // "kiln"
const TICK_MS = 2000;
const SWEEP_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Scheduler {
  private readonly runners = new Map<string, BuildRunner>();
  private connection: pg.Client | undefined;
  private ticking = false;
  private again = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  private retry: ReturnType<typeof setTimeout> | undefined;

  /** Tries to lead; keeps trying every few seconds while another process leads or the database is away. */
  async start(): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    let connection: pg.Client | undefined;
    try {
      connection = await dedicatedConnection();
      const { rows } = await connection.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [SCHEDULER_LOCK]);
      if (!rows[0]?.locked) {
        await connection.end();
        this.retryLater();
        return;
      }
      this.connection = connection;
      connection.on("error", (error) => this.lostConnection(connection!, error));
      connection.on("notification", () => void this.tick());
      await connection.query(`LISTEN ${QUEUE_CHANNEL}`);
      await this.recover();
      clearInterval(this.timer);
      this.timer = setInterval(() => void this.tick(), TICK_MS);
      clearInterval(this.sweeper);
      this.sweeper = setInterval(() => void this.sweep().catch(logError), SWEEP_MS);
      await this.tick();
    } catch (error) {
      logError(error);
      if (this.connection === connection) this.connection = undefined;
      await connection?.end().catch(() => undefined);
      this.retryLater();
    }
  }

  private retryLater(): void {
    this.retry ??= setTimeout(() => void this.start(), 5000);
    this.retry.unref?.();
  }

  /** The database restarted or dropped us: stop scheduling and try to lead again. */
  private lostConnection(connection: pg.Client, error: Error): void {
    if (this.connection !== connection) return;
    log.error({ err: error.message }, "scheduler lost its database connection; retrying");
    clearInterval(this.timer);
    clearInterval(this.sweeper);
    this.connection = undefined;
    void connection.end().catch(() => undefined);
    this.retryLater();
  }

  /** Builds that were running when the last Kiln process stopped. */
  private async recover(): Promise<void> {
    const orphans = await db().build.findMany({ where: { status: { in: [...runningStatuses] } } });
    for (const build of orphans) {
      const [container] = await containersWithLabel(BUILD_LABEL, build.id);
      if (container || build.status === "pushing") {
        this.attach(build);
      } else if (build.containerId) {
        // Its builder ran and is gone (a pod is deleted when stopped): starting over would
        // replay a log already partly stored, so the build ends here.
        if (build.cancelRequested) {
          await finishBuild(build.id, "cancelled", "\u001b[33mBuild cancelled.\u001b[0m", { error: "The build was cancelled." });
        } else {
          const message = "The build's builder was removed while no Kiln was watching it, so the build stopped. Start it again.";
          await finishBuild(build.id, "failed", `\u001b[31m${message}\u001b[0m`, { error: message });
        }
      } else {
        // Claimed but never started: nothing ran, so queue it again.
        await db().build.update({ where: { id: build.id }, data: { status: "queued", startedAt: null } });
      }
    }
    await this.sweep();
  }

  /**
   * Removes builder containers of finished builds that no runner owns: left behind when Kiln
   * stopped, or when removing one failed at the end of its build. A container whose build is not
   * in this database is not ours to remove (another Kiln may share the engine).
   */
  private async sweep(): Promise<void> {
    const containers = (await containersWithLabel(BUILD_LABEL)).filter((c) => !this.runners.has(c.labels[BUILD_LABEL] ?? ""));
    const ids = containers.map((c) => c.labels[BUILD_LABEL] ?? "").filter((id) => UUID.test(id));
    if (!ids.length) return;
    const finished = new Set(
      (await db().build.findMany({ where: { id: { in: ids }, status: { notIn: [...activeStatuses] } }, select: { id: true } })).map((b) => b.id),
    );
    for (const container of containers) {
      if (finished.has(container.labels[BUILD_LABEL] ?? "")) await removeContainer(container.id);
    }
  }

  private attach(build: Build): void {
    // After a lost database connection this process leads again and recovers its own builds.
    if (this.runners.has(build.id)) return;
    const runner = new BuildRunner(build);
    this.runners.set(build.id, runner);
    void runner.done.then((outcome) => {
      this.runners.delete(build.id);
      if (outcome === "abandoned") this.reattachLater(build.id);
      void this.tick();
    });
  }

  /** Picks a build up again once the database is back, if it is still running. */
  private reattachLater(buildId: string): void {
    setTimeout(() => {
      void db()
        .build.findUnique({ where: { id: buildId } })
        .then((build) => {
          if (build && runningStatuses.includes(build.status) && this.connection) this.attach(build);
          else if (build && runningStatuses.includes(build.status)) this.reattachLater(buildId);
        })
        .catch(() => this.reattachLater(buildId));
    }, 3000).unref();
  }

  /** Cancels what was asked, then starts queued builds within the global and per-user limits. */
  async tick(): Promise<void> {
    if (!this.connection) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        await this.cancelRequested();
        await this.startQueued();
      } while (this.again);
    } catch (error) {
      logError(error);
    } finally {
      this.ticking = false;
    }
  }

  private async cancelRequested(): Promise<void> {
    const asked = await db().build.findMany({
      where: { cancelRequested: true, status: { in: [...activeStatuses] } },
      select: { id: true, status: true },
    });
    for (const build of asked) {
      const runner = this.runners.get(build.id);
      if (runner) await runner.cancel();
      else if (build.status === "queued") {
        await finishBuild(build.id, "cancelled", "\u001b[33mBuild cancelled before it started.\u001b[0m", { error: "The build was cancelled." });
      }
    }
  }

  private async startQueued(): Promise<void> {
    const { concurrency, perUser } = buildSettings();
    for (;;) {
      const claimed = await db().$transaction(async (tx) => {
        const running = await tx.build.groupBy({ by: ["requestedById"], where: { status: { in: [...runningStatuses] } }, _count: true });
        const total = running.reduce((sum, row) => sum + row._count, 0);
        if (total >= concurrency) return null;
        const busy = running.filter((row) => row._count >= perUser).map((row) => row.requestedById);
        const [next] = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM builds
          WHERE status = 'queued' AND cancel_requested = false
            AND NOT (requested_by_id = ANY(${busy}::int[]))
          ORDER BY created_at
          LIMIT 1
          FOR UPDATE SKIP LOCKED`;
        if (!next) return null;
        return tx.build.update({ where: { id: next.id }, data: { status: "fetching", startedAt: new Date() } });
      });
      if (!claimed) return;
      this.attach(claimed);
    }
  }
}

function logError(error: unknown) {
  log.error({ err: error }, "build scheduler");
}

const holder = globalThis as unknown as { kilnScheduler?: Scheduler };

/** Starts this process's scheduler once; it leads when no other Kiln process does. */
export function startScheduler(): void {
  if (holder.kilnScheduler) return;
  holder.kilnScheduler = new Scheduler();
  void holder.kilnScheduler.start();
}
