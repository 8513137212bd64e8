import { stripVTControlCharacters } from "node:util";

// Reads a failed build's log for the step that failed and what it printed last, so the page can
// say "step 3 of 12: RUN pip install …" instead of repo2docker's one-line command dump. Pure and
// unit-tested against the output of Podman's and Docker's builders.

export interface FailureSummary {
  /** The failing instruction as the builder names it, e.g. "Step 3 of 12: RUN pip install -r requirements.txt". */
  step: string | null;
  /** The last lines the failing step (or, without a step, the build) printed, oldest first. */
  output: string[];
  /** The failing command's exit status, when the builder said it. */
  exitStatus: number | null;
  /** The engine's own error, when its storage failed under the build rather than the repository. */
  engineFault?: string;
}

/** How many lines of output the summary keeps. */
export const FAILURE_OUTPUT_LINES = 12;
const MAX_LINE = 300;

// Podman (buildah): "STEP 3/12: RUN …". Docker BuildKit, plain progress: "#7 [3/12] RUN …" or
// "#7 [stage-1 3/12] RUN …", its output "#7 0.153 text", its failure "#7 ERROR: …".
const PODMAN_STEP = /^STEP (\d+)\/(\d+): (.+)$/;
const BUILDKIT_STEP = /^#(\d+) \[(?:[^\]\s]+ )?(\d+)\/(\d+)\] (.+)$/;
const BUILDKIT_OUTPUT = /^#(\d+) \d+(?:\.\d+)? (.*)$/;
const BUILDKIT_ERROR = /^#\d+ ERROR: /;
const PODMAN_ERROR = /^Error: building at STEP /;
const EXIT_STATUS = /(?:exit status|exit code:) (\d+)\s*$/;
// Podman's image store losing a layer while a build looked through its cache, typically because
// an image was being removed at that moment: the engine's fault, not the repository's.
const ENGINE_FAULT = /^Error: .*(?:layer not known|identifier is not a layer|checking if cached image exists from a previous build)/;
/** Lines that are the builder's bookkeeping, not the step's own output. */
const NOISE = [/^--> [0-9a-f]{6,}$/, /^#\d+ (?:DONE|CACHED|sha256:)/, /^Error during build: Command '\[/, /^repo2docker failed \(exit code/];

function clip(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** The failure summary of a log (its lines oldest first, ANSI escapes allowed). */
export function summariseFailure(rawLines: readonly string[]): FailureSummary {
  const lines = rawLines.map((line) => stripVTControlCharacters(line).trimEnd());
  const fault = lines.findLast((line) => ENGINE_FAULT.test(line));
  const summary = summariseSteps(lines);
  return fault ? { ...summary, engineFault: clip(fault) } : summary;
}

function summariseSteps(lines: string[]): FailureSummary {
  // BuildKit runs steps in parallel: the failed one is the one with an ERROR line.
  const failedId = lines.findLast((line) => BUILDKIT_ERROR.test(line))?.slice(1).split(" ", 1)[0];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const podman = PODMAN_STEP.exec(line);
    if (podman) {
      const after = lines.slice(i + 1);
      const error = after.find((text) => PODMAN_ERROR.test(text));
      return { step: `Step ${podman[1]} of ${podman[2]}: ${podman[3]}`, output: tail(after.filter((text) => text !== error)), exitStatus: exitStatus(error) };
    }
    const buildkit = BUILDKIT_STEP.exec(line);
    if (buildkit && (failedId === undefined || buildkit[1] === failedId)) {
      // BuildKit interleaves steps: keep only the lines of this step's number.
      const id = buildkit[1];
      const after = lines.slice(i + 1).filter((text) => text.startsWith(`#${id} `));
      const error = after.find((text) => BUILDKIT_ERROR.test(text));
      const output = after.flatMap((text) => {
        const match = BUILDKIT_OUTPUT.exec(text);
        return match ? [match[2]!] : [];
      });
      return { step: `Step ${buildkit[2]} of ${buildkit[3]}: ${buildkit[4]}`, output: tail(output), exitStatus: exitStatus(error) };
    }
  }
  return { step: null, output: tail(lines), exitStatus: null };
}

function exitStatus(errorLine: string | undefined): number | null {
  const match = errorLine ? EXIT_STATUS.exec(errorLine) : null;
  return match ? Number(match[1]) : null;
}

function tail(lines: string[]): string[] {
  const kept = lines.filter((line) => line.trim() !== "" && !NOISE.some((noise) => noise.test(line)));
  return kept.slice(-FAILURE_OUTPUT_LINES).map(clip);
}
