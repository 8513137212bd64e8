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

const PHASES = new Set(["fetching", "building", "pushing", "failed", "built"]);

/** Splits a byte stream into complete lines; a partial line waits for the next chunk. */
export class LineSplitter {
  private pending = "";
  private readonly decoder = new TextDecoder("utf-8");

  push(chunk: Uint8Array): string[] {
    this.pending += this.decoder.decode(chunk, { stream: true });
    const parts = this.pending.split("\n");
    this.pending = parts.pop() ?? "";
    return parts.map((line) => line.replace(/\r$/, ""));
  }

  /** What is left when the stream ends without a final newline. */
  end(): string[] {
    const rest = this.pending + this.decoder.decode();
    this.pending = "";
    return rest ? [rest.replace(/\r$/, "")] : [];
  }
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
