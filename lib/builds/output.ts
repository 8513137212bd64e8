// Turns a builder container's raw output into log lines and phases. Pure, so it is unit-tested
// and behaves the same when a restarted Kiln replays the output from the start.

export type BuilderPhase = "fetching" | "building" | "pushing" | "failed" | "built";

export interface OutputLine {
  /** The text to show, ANSI escapes kept. */
  text: string;
  phase?: BuilderPhase;
  /** repo2docker's own words when it reports a failure. */
  failure?: string;
}

/** One line of raw output; `cutBytes` > 0 when the line was longer than the limit. */
export interface RawLine {
  text: string;
  /** Bytes dropped from the end of the line (0 when it was kept whole). */
  cutBytes: number;
}

const PHASES = new Set(["fetching", "building", "pushing", "failed", "built"]);
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into complete lines; a partial line waits for the next chunk. Work is
 * linear in the input, and memory is bounded by `maxLineBytes`: beyond it a line is cut and the
 * rest of it only counted until its newline arrives.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private dropped = 0;
  private lastByte = -1;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly maxLineBytes = 64 * 1024) {}

  push(chunk: Uint8Array): RawLine[] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: RawLine[] = [];
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      this.take(bytes.subarray(start, newline === -1 ? bytes.length : newline));
      if (newline === -1) return lines;
      lines.push(this.emit());
      start = newline + 1;
    }
  }

  /** What is left when the stream ends without a final newline. */
  end(): RawLine[] {
    return this.held || this.dropped ? [this.emit()] : [];
  }

  private take(piece: Buffer): void {
    if (!piece.length) return;
    this.lastByte = piece[piece.length - 1]!;
    const room = Math.max(0, this.maxLineBytes - this.held);
    const kept = Math.min(room, piece.length);
    // Copied, so a held remainder does not pin the whole chunk it came in.
    if (kept) this.parts.push(Buffer.from(piece.subarray(0, kept)));
    this.held += kept;
    this.dropped += piece.length - kept;
  }

  private emit(): RawLine {
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
    // A terminal ends lines with \r\n: the \r is not part of the line, kept or cut.
    let dropped = this.dropped && this.lastByte === CR ? this.dropped - 1 : this.dropped;
    this.parts = [];
    this.held = 0;
    this.dropped = 0;
    this.lastByte = -1;
    if (dropped) {
      // Cut on a character boundary, never inside a multi-byte character.
      const end = utf8Boundary(bytes);
      dropped += bytes.length - end;
      bytes = bytes.subarray(0, end);
    } else if (bytes.length && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return { text: this.decoder.decode(bytes), cutBytes: dropped };
  }
}

/** The largest length ≤ bytes.length that does not end inside a UTF-8 character. */
function utf8Boundary(bytes: Buffer): number {
  let start = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  while (start > 0 && bytes.length - start < 4 && (bytes[start - 1]! & 0xc0) === 0x80) start -= 1;
  if (start === 0) return bytes.length;
  const lead = bytes[start - 1]!;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - (start - 1) >= size ? bytes.length : start - 1;
}

/** The mark appended to a line that was cut. */
export function cutMark(cutBytes: number, maxLineBytes: number): string {
  return `\u001b[33m… (Kiln keeps ${formatBytes(maxLineBytes)} of a line; ${cutBytes} more bytes of this one are not stored)\u001b[0m`;
}

/** "10 MiB", "64 KiB", "4000 bytes": how limits are named in log notices. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / 1024 / 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Reads one output line: repo2docker's `--json-logs` objects become their message lines. */
export function parseOutputLine(raw: string): OutputLine[] {
  if (raw.startsWith("{")) {
    try {
      const event = JSON.parse(raw) as { message?: unknown; phase?: unknown };
      if (typeof event.message === "string") {
        const phase = typeof event.phase === "string" && PHASES.has(event.phase) ? (event.phase as BuilderPhase) : undefined;
        const lines = event.message.replace(/\r?\n$/, "").split(/\r?\n/);
        return lines.map((text) => ({ text, phase, ...(phase === "failed" ? { failure: event.message as string } : {}) }));
      }
    } catch {
      // not JSON after all: shown as it came
    }
  }
  return [{ text: raw }];
}
