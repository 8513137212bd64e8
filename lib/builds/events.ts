import "server-only";
import { log } from "@/lib/log";
import type pg from "pg";
import { dedicatedConnection, viewerDb } from "@/lib/db";
import type { KilnUser } from "@/lib/auth/identity";
import { openViewer } from "@/lib/metrics/registry";
import { AppError } from "@/lib/http/errors";
import type { BuildView, LogLine } from "./schema";
import { isFinished } from "./status";
import { streamSettings } from "./settings";
import { BUILD_CHANNEL, findBuild, mayCancel, onLinesAppended, readLinePage, readNewestLines, toView, type BuildWithRequester } from "./store";

// Live build updates for every viewer in this process. A NOTIFY says "build X changed", and one
// refresh per build (not per viewer) reads what is new from PostgreSQL into a shared window of the
// build's recent lines; a runner in this process also puts lines into the window as soon as their
// write commits (onLinesAppended), without the round trip. Every viewer's stream is pull-based: it
// makes its next event only when its reader has taken the last ones, from the window, or from the
// database through the viewers' own pool when it has fallen behind the window. Each viewer keeps a
// cursor (the last seq it was sent), so a line is sent once and never skipped, and the event id is
// that seq, so a reconnect resumes after it.
//
// Memory: per watched build, the window (WINDOW_BYTES), up to SHARED_EVENTS_MAX shared events of
// the window and PAST_EVENTS_MAX of stored lines; per viewer, at most STREAM_BUFFER_BYTES queued
// plus one event (CATCH_UP_EVENT_BYTES of lines, or one longer line), however slowly it reads.

const WINDOW_LINES = 5000;
const WINDOW_BYTES = 1024 * 1024;
/** About the most one `lines` event of live lines carries; it always carries at least one line. */
export const EVENT_BYTES = 32 * 1024;
const EVENT_LINES = 1000;
/**
 * A viewer catching up on stored lines (a late joiner) gets bigger events: a fiftieth as many
 * database reads and browser events for a long log (bench:ui: a 100,000-line log drew in 1.2-1.5 s
 * with 1 MiB events, 2.1-3.0 s with 256 KiB). The most any event carries.
 */
export const CATCH_UP_EVENT_BYTES = 1024 * 1024;
const CATCH_UP_EVENT_LINES = 20_000;
/** What a viewer's stream queues before it stops making events. */
export const STREAM_BUFFER_BYTES = 32 * 1024;
const HEARTBEAT_MS = 15_000;
/** Re-reads watched builds now and then: queue positions move without a NOTIFY for this build. */
const POLL_MS = 3000;

const encoder = new TextEncoder();
const END = encoder.encode("event: end\ndata: {}\n\n");
const HEARTBEAT = encoder.encode(": keep-alive\n\n");
/** Events kept per build for viewers at the same place in the log (most are: they follow the end). */
const SHARED_EVENTS_MAX = 64;
/** Catch-up events kept per build (each up to CATCH_UP_EVENT_BYTES, so at most 4 MiB). */
const PAST_EVENTS_MAX = 4;

interface Viewer {
  user: KilnUser;
  cursor: number;
  lastStatus: string;
  closed: boolean;
  wake: (() => void) | undefined;
  controller: ReadableStreamDefaultController<Uint8Array> | undefined;
}

/** One watched build: its latest row and the window of its recent lines. */
class Feed {
  build: BuildWithRequester | undefined;
  view: BuildView | undefined;
  gone = false;
  /** Contiguous recent lines, oldest first; every line up to headSeq is in it or older than it. */
  lines: LogLine[] = [];
  bytes = 0;
  headSeq = 0;
  readonly viewers = new Set<Viewer>();
  readonly waiting = new Set<() => void>();
  ready: Promise<void> = Promise.resolve();
  refreshing = false;
  dirty = false;
  /**
   * The `lines` event after a given seq, made once from the window and sent to every viewer
   * there: a hundred viewers of one build cost one JSON encoding of each line, not a hundred.
   * Emptied whenever the window changes.
   */
  readonly sharedEvents = new Map<number, LinesEvent>();
  /**
   * Events read from the database for viewers behind the window, shared the same way (viewers
   * who started together catch up together); stored lines never change, so these stay valid.
   */
  readonly pastEvents = new Map<number, Promise<LinesEvent | undefined>>();

  constructor(readonly buildId: string) {}

  get firstSeq(): number {
    return this.lines[0]?.seq ?? this.headSeq + 1;
  }

  wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }
}

export interface BuildEventStats {
  builds: number;
  viewers: number;
  windowBytes: number;
  /** The most bytes any one viewer's stream holds queued right now. */
  maxQueuedBytes: number;
}

class BuildEventHub {
  private connection: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly feeds = new Map<string, Feed>();
  private readonly openByUser = new Map<string, number>();
  private poller: ReturnType<typeof setInterval> | undefined;

  constructor() {
    onLinesAppended((buildId, lines) => this.appended(buildId, lines));
  }

  /** Lines this process just stored: into the window at once, when they follow its head. */
  private appended(buildId: string, lines: LogLine[]): void {
    const feed = this.feeds.get(buildId);
    // Not loaded yet, or behind: the load that the NOTIFY starts reads them from the database.
    if (!feed?.build || lines[0]?.seq !== feed.headSeq + 1) return;
    this.extendWindow(feed, lines);
    feed.wakeAll();
  }

  /** Adds lines that follow the window's head (others are skipped), then keeps it within bounds. */
  private extendWindow(feed: Feed, lines: LogLine[]): void {
    for (const line of lines) {
      if (line.seq !== feed.headSeq + 1) continue;
      feed.lines.push(line);
      feed.bytes += Buffer.byteLength(line.text);
      feed.headSeq = line.seq;
    }
    let drop = 0;
    while (drop < feed.lines.length - 1 && (feed.lines.length - drop > WINDOW_LINES || feed.bytes > WINDOW_BYTES)) {
      feed.bytes -= Buffer.byteLength(feed.lines[drop]!.text);
      drop += 1;
    }
    if (drop) feed.lines = feed.lines.slice(drop);
    feed.sharedEvents.clear();
  }

  private ensureListening(): Promise<void> {
    if (this.connection) return Promise.resolve();
    this.connecting ??= (async () => {
      const connection = await dedicatedConnection();
      connection.on("notification", (message) => {
        const feed = message.payload ? this.feeds.get(message.payload) : undefined;
        if (feed) this.refresh(feed);
      });
      connection.on("error", () => {
        // The database went away: listen again, then catch every build up.
        this.connection = undefined;
        void connection.end().catch(() => undefined);
        setTimeout(() => void this.ensureListening().then(() => this.refreshAll()).catch(() => undefined), 1000).unref();
      });
      await connection.query(`LISTEN ${BUILD_CHANNEL}`);
      this.connection = connection;
      this.poller ??= setInterval(() => this.refreshAll(), POLL_MS).unref();
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * The Server-Sent Events stream of a build for one viewer: `status` first, then `lines` after
   * `afterSeq` (id = last seq), status changes, and `end` once the build has finished and every
   * line was sent. Throws a 429 when the viewer already has their share of open streams.
   */
  async open(build: BuildWithRequester, user: KilnUser, afterSeq: number, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    await this.ensureListening();
    const { perUser } = streamSettings();
    if ((this.openByUser.get(user.name) ?? 0) >= perUser) {
      throw new AppError(
        "too_many_streams",
        429,
        `You are already watching ${perUser} build logs at once, the most Kiln allows per person. Close some other Kiln tabs and reload this one.`,
      );
    }
    const feed = this.feedFor(build.id);
    const viewer: Viewer = { user, cursor: afterSeq, lastStatus: "", closed: false, wake: undefined, controller: undefined };
    feed.viewers.add(viewer);
    this.openByUser.set(user.name, (this.openByUser.get(user.name) ?? 0) + 1);
    const uncount = openViewer("build_log");

    const release = () => {
      if (viewer.closed) return;
      viewer.closed = true;
      uncount();
      viewer.wake?.();
      signal.removeEventListener("abort", onAbort);
      feed.viewers.delete(viewer);
      const open = (this.openByUser.get(user.name) ?? 1) - 1;
      if (open > 0) this.openByUser.set(user.name, open);
      else this.openByUser.delete(user.name);
      if (!feed.viewers.size && this.feeds.get(feed.buildId) === feed) this.feeds.delete(feed.buildId);
    };
    const close = () => {
      release();
      try {
        viewer.controller?.close();
      } catch {
        // already closed or cancelled
      }
    };
    const onAbort = () => close();
    signal.addEventListener("abort", onAbort);
    if (signal.aborted) release();

    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          viewer.controller = controller;
          controller.enqueue(encoder.encode("retry: 2000\n\n"));
        },
        pull: async (controller) => {
          let event: Uint8Array | null;
          try {
            event = await this.next(feed, viewer);
          } catch (error) {
            // The viewers' database is away or overloaded: end this stream; the browser
            // reconnects and resumes after the last id it saw.
            log.error({ err: error }, `build events for ${feed.buildId}`);
            event = null;
          }
          if (!viewer.closed && event !== null) controller.enqueue(event);
          if (viewer.closed || event === null || event === END) close();
        },
        cancel: () => release(),
      },
      { highWaterMark: STREAM_BUFFER_BYTES, size: (chunk) => chunk.byteLength },
    );
  }

  stats(): BuildEventStats {
    let viewers = 0;
    let windowBytes = 0;
    let maxQueuedBytes = 0;
    for (const feed of this.feeds.values()) {
      windowBytes += feed.bytes;
      for (const viewer of feed.viewers) {
        viewers += 1;
        const desired = viewer.controller?.desiredSize ?? STREAM_BUFFER_BYTES;
        maxQueuedBytes = Math.max(maxQueuedBytes, STREAM_BUFFER_BYTES - (desired ?? STREAM_BUFFER_BYTES));
      }
    }
    return { builds: this.feeds.size, viewers, windowBytes, maxQueuedBytes };
  }

  private feedFor(buildId: string): Feed {
    const existing = this.feeds.get(buildId);
    if (existing) return existing;
    const feed = new Feed(buildId);
    this.feeds.set(buildId, feed);
    feed.refreshing = true;
    feed.ready = this.load(feed).then(
      () => this.afterRefresh(feed),
      (error: unknown) => {
        // Nobody else will use this feed: the next viewer starts a new one.
        feed.refreshing = false;
        if (this.feeds.get(buildId) === feed) this.feeds.delete(buildId);
        throw error;
      },
    );
    feed.ready.catch(() => undefined);
    return feed;
  }

  private refreshAll(): void {
    for (const feed of this.feeds.values()) this.refresh(feed);
  }

  /** One refresh per build at a time; a change during one runs it once more. */
  private refresh(feed: Feed): void {
    if (feed.refreshing) {
      feed.dirty = true;
      return;
    }
    feed.refreshing = true;
    this.load(feed).then(
      () => this.afterRefresh(feed),
      (error: unknown) => {
        log.error({ err: error }, `build events for ${feed.buildId}`);
        feed.refreshing = false;
        setTimeout(() => this.feeds.get(feed.buildId) === feed && this.refresh(feed), 1000).unref();
      },
    );
  }

  private afterRefresh(feed: Feed): void {
    feed.refreshing = false;
    if (feed.dirty && this.feeds.get(feed.buildId) === feed) {
      feed.dirty = false;
      this.refresh(feed);
    }
  }

  /** Reads the build's row and its new lines into the window; then wakes its viewers. */
  private async load(feed: Feed): Promise<void> {
    const client = viewerDb();
    const build = await findBuild(feed.buildId, client);
    if (!build) {
      feed.gone = true;
      feed.wakeAll();
      return;
    }
    // Every line up to build.logLines was committed with (or before) this row.
    const target = build.logLines;
    let fresh: LogLine[] = [];
    let reset = false;
    if (target - feed.headSeq > WINDOW_LINES) {
      fresh = await readNewestLines(client, feed.buildId, target, WINDOW_LINES, WINDOW_BYTES);
      reset = true;
    } else if (target > feed.headSeq) {
      fresh = await readLinePage(client, feed.buildId, { afterSeq: feed.headSeq, toSeq: target }, WINDOW_LINES, WINDOW_BYTES);
    }
    const view = await toView(build, null, client);

    // Lines may have reached the window meanwhile (appended): only what follows its head is added.
    if (reset && target > feed.headSeq) {
      feed.lines = fresh;
      feed.bytes = 0;
      for (const line of fresh) feed.bytes += Buffer.byteLength(line.text);
      feed.headSeq = target;
      feed.sharedEvents.clear();
    } else if (fresh.length) {
      this.extendWindow(feed, fresh);
      if (feed.headSeq < target) feed.dirty = true; // the page stopped at its byte limit
    }
    feed.build = build;
    feed.view = view;
    feed.wakeAll();
  }

  /** The viewer's next event: lines after its cursor, a status change, `end`, or a heartbeat. */
  private async next(feed: Feed, viewer: Viewer): Promise<Uint8Array | null> {
    await feed.ready;
    for (;;) {
      if (viewer.closed) return null;
      if (feed.gone) return END;
      const build = feed.build!;
      const status = () => {
        const personal = JSON.stringify({ ...feed.view!, canCancel: mayCancel(build, viewer.user) });
        if (personal === viewer.lastStatus) return null;
        viewer.lastStatus = personal;
        return encoder.encode(`event: status\ndata: ${personal}\n\n`);
      };
      // The status first, so a reconnecting viewer knows where the build is before its lines.
      if (!viewer.lastStatus) return status()!;
      if (viewer.cursor < feed.headSeq) {
        const event = viewer.cursor + 1 >= feed.firstSeq ? this.windowEvent(feed, viewer.cursor) : await this.pastEvent(feed, viewer.cursor);
        if (viewer.closed) return null;
        if (event) {
          viewer.cursor = event.lastSeq;
          return event.bytes;
        }
        // Nothing after the cursor in the database (it cannot be behind the window): skip ahead.
        viewer.cursor = Math.max(viewer.cursor, feed.firstSeq - 1);
        continue;
      }
      const changed = status();
      if (changed) return changed;
      if (isFinished(build.status) && viewer.cursor >= build.logLines) return END;
      if (!(await this.wait(feed, viewer))) return HEARTBEAT;
    }
  }

  /** The event of the window's lines after `cursor`, shared by every viewer at that cursor. */
  private windowEvent(feed: Feed, cursor: number): LinesEvent | undefined {
    const shared = feed.sharedEvents.get(cursor);
    if (shared) return shared;
    const start = cursor + 1 - feed.firstSeq;
    const event = linesEvent(feed.lines.slice(start, start + EVENT_LINES), cursor);
    if (event && feed.sharedEvents.size < SHARED_EVENTS_MAX) feed.sharedEvents.set(cursor, event);
    return event;
  }

  /** The event of the stored lines after `cursor`, read once for every viewer at that cursor. */
  private pastEvent(feed: Feed, cursor: number): Promise<LinesEvent | undefined> {
    const shared = feed.pastEvents.get(cursor);
    if (shared) return shared;
    const reading = readLinePage(viewerDb(), feed.buildId, { afterSeq: cursor }, CATCH_UP_EVENT_LINES, CATCH_UP_EVENT_BYTES).then((lines) =>
      linesEvent(lines, cursor, CATCH_UP_EVENT_BYTES),
    );
    feed.pastEvents.set(cursor, reading);
    // The oldest goes first; a failed or empty read is not kept.
    if (feed.pastEvents.size > PAST_EVENTS_MAX) feed.pastEvents.delete(feed.pastEvents.keys().next().value!);
    reading.then(
      (event) => event || feed.pastEvents.delete(cursor),
      () => feed.pastEvents.delete(cursor),
    );
    return reading;
  }

  /** Resolves true when the build changes, false when a heartbeat is due. */
  private wait(feed: Feed, viewer: Viewer): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        feed.waiting.delete(wake);
        viewer.wake = undefined;
        resolve(changed);
      };
      const wake = () => finish(true);
      const timer = setTimeout(() => finish(false), HEARTBEAT_MS);
      feed.waiting.add(wake);
      viewer.wake = wake;
    });
  }
}

interface LinesEvent {
  bytes: Uint8Array;
  lastSeq: number;
}

/** A `lines` event of the lines after `cursor` in `candidates`, within maxBytes (at least one line). */
function linesEvent(candidates: LogLine[], cursor: number, maxBytes = EVENT_BYTES): LinesEvent | undefined {
  const parts: string[] = [];
  let bytes = 0;
  let lastSeq = cursor;
  for (const line of candidates) {
    if (line.seq <= lastSeq) continue;
    if (line.seq !== lastSeq + 1 && parts.length) break; // only contiguous lines
    const part = JSON.stringify([line.seq, line.text, line.at?.getTime() ?? null]);
    const size = Buffer.byteLength(part);
    if (parts.length && bytes + size > maxBytes) break;
    parts.push(part);
    bytes += size + 1;
    lastSeq = line.seq;
  }
  if (!parts.length) return undefined;
  return { bytes: encoder.encode(`id: ${lastSeq}\nevent: lines\ndata: [${parts.join(",")}]\n\n`), lastSeq };
}

const holder = globalThis as unknown as { kilnBuildEvents?: BuildEventHub };

export function buildEvents(): BuildEventHub {
  holder.kilnBuildEvents ??= new BuildEventHub();
  return holder.kilnBuildEvents;
}
