import "server-only";
import type pg from "pg";
import { dedicatedConnection } from "@/lib/db";
import type { KilnUser } from "@/lib/auth/identity";
import { isFinished, type BuildView, type LogLine } from "./schema";
import { BUILD_CHANNEL, findBuild, mayCancel, readLines, toView } from "./store";

// Live build updates for every viewer in this process. PostgreSQL is the only source: a NOTIFY
// says "build X changed", and one query per build (not per viewer) fetches what is new. Each
// viewer keeps a cursor (the last seq it was sent), so a line is sent once and never skipped.

const PAGE = 2000;
const QUEUED_POLL_MS = 3000;

export type BuildEvent =
  | { type: "lines"; lines: LogLine[] }
  | { type: "status"; build: BuildView }
  | { type: "end" };

interface Subscriber {
  viewer: KilnUser;
  cursor: number;
  live: boolean;
  lastStatus: string;
  send: (event: BuildEvent) => void;
  closed: boolean;
}

class BuildEventHub {
  private connection: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly pumping = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private poller: ReturnType<typeof setInterval> | undefined;

  private ensureListening(): Promise<void> {
    if (this.connection) return Promise.resolve();
    this.connecting ??= (async () => {
      const connection = await dedicatedConnection();
      connection.on("notification", (message) => {
        if (message.payload) this.pump(message.payload);
      });
      connection.on("error", () => {
        // The database went away: listen again, then catch every viewer up.
        this.connection = undefined;
        setTimeout(() => void this.ensureListening().then(() => this.pumpAll()).catch(() => undefined), 1000).unref();
      });
      await connection.query(`LISTEN ${BUILD_CHANNEL}`);
      this.connection = connection;
      this.poller ??= setInterval(() => this.pumpAll(), QUEUED_POLL_MS).unref();
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Sends everything after `afterSeq`, then every change until the build ends. Returns unsubscribe. */
  async subscribe(buildId: string, viewer: KilnUser, afterSeq: number, send: (event: BuildEvent) => void): Promise<() => void> {
    await this.ensureListening();
    const subscriber: Subscriber = { viewer, cursor: afterSeq, live: false, lastStatus: "", send, closed: false };
    let set = this.subscribers.get(buildId);
    if (!set) this.subscribers.set(buildId, (set = new Set()));
    set.add(subscriber);
    const unsubscribe = () => {
      subscriber.closed = true;
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(buildId);
    };
    // Catch up from the database page by page, then join the live pumps.
    for (;;) {
      const lines = await readLines(buildId, subscriber.cursor, PAGE);
      if (subscriber.closed) return unsubscribe;
      if (lines.length) {
        subscriber.cursor = lines.at(-1)!.seq;
        send({ type: "lines", lines });
      }
      if (lines.length < PAGE) break;
    }
    subscriber.live = true;
    this.pump(buildId);
    return unsubscribe;
  }

  private pumpAll(): void {
    for (const buildId of this.subscribers.keys()) this.pump(buildId);
  }

  /** Runs one pump per build at a time; a notification during a pump runs it once more. */
  private pump(buildId: string): void {
    if (!this.subscribers.has(buildId)) return;
    if (this.pumping.has(buildId)) {
      this.dirty.add(buildId);
      return;
    }
    const run = this.pumpOnce(buildId)
      .catch((error: unknown) => console.error(`[kiln] build events for ${buildId}`, error))
      .finally(() => {
        this.pumping.delete(buildId);
        if (this.dirty.delete(buildId)) this.pump(buildId);
      });
    this.pumping.set(buildId, run);
  }

  private async pumpOnce(buildId: string): Promise<void> {
    const live = () => [...(this.subscribers.get(buildId) ?? [])].filter((s) => s.live && !s.closed);
    if (!live().length) return;
    const build = await findBuild(buildId);
    if (!build) return;
    // Lines first: a viewer must have every line before it hears the build has ended.
    for (;;) {
      const subscribers = live();
      if (!subscribers.length) return;
      const from = Math.min(...subscribers.map((s) => s.cursor));
      const lines = await readLines(buildId, from, PAGE);
      for (const subscriber of subscribers) {
        const fresh = lines.filter((line) => line.seq > subscriber.cursor);
        if (!fresh.length) continue;
        subscriber.cursor = fresh.at(-1)!.seq;
        subscriber.send({ type: "lines", lines: fresh });
      }
      if (lines.length < PAGE) break;
    }
    const view = await toView(build, null);
    for (const subscriber of live()) {
      const personal = { ...view, canCancel: mayCancel(build, subscriber.viewer) };
      const key = JSON.stringify(personal);
      if (key !== subscriber.lastStatus) {
        subscriber.lastStatus = key;
        subscriber.send({ type: "status", build: personal });
      }
      if (isFinished(build.status) && subscriber.cursor >= build.logLines) subscriber.send({ type: "end" });
    }
  }
}

const holder = globalThis as unknown as { kilnBuildEvents?: BuildEventHub };

export function buildEvents(): BuildEventHub {
  holder.kilnBuildEvents ??= new BuildEventHub();
  return holder.kilnBuildEvents;
}
