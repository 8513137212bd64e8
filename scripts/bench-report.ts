// The bench:* scripts' common report: each target as its figure, the baseline measured in the
// same run, the ratio (or the difference, for delays Kiln adds), and whether it is met.

export interface TargetLine {
  name: string;
  figure: number;
  baseline: number | null;
  unit: string;
  /** "ratio": figure / baseline must stay within `limit`; "added": figure - baseline; "max": figure itself. */
  kind: "ratio" | "added" | "max";
  limit: number;
}

const lines: TargetLine[] = [];

const fmt = (value: number, unit: string) => `${value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(2)} ${unit}`.trim();

function compared(line: TargetLine): number {
  if (line.kind === "ratio") return line.figure / (line.baseline ?? NaN);
  if (line.kind === "added") return line.figure - (line.baseline ?? NaN);
  return line.figure;
}

/** Records one target and prints its line at once. */
export function target(line: TargetLine): void {
  lines.push(line);
  const value = compared(line);
  const met = value <= line.limit;
  const versus =
    line.kind === "ratio"
      ? `baseline ${fmt(line.baseline!, line.unit)}, ratio ${value.toFixed(2)} (target ≤ ${line.limit})`
      : line.kind === "added"
        ? `baseline ${fmt(line.baseline!, line.unit)}, Kiln adds ${fmt(value, line.unit)} (target ≤ ${fmt(line.limit, line.unit)})`
        : `(target ≤ ${fmt(line.limit, line.unit)})`;
  console.log(`  ${met ? "met    " : "NOT MET"}  ${line.name}: ${fmt(line.figure, line.unit)}, ${versus}`);
}

/** The one-line summary at the end of a run. */
export function summary(bench: string): void {
  const met = lines.filter((line) => compared(line) <= line.limit).length;
  const missed = lines.filter((line) => !(compared(line) <= line.limit)).map((line) => line.name);
  console.log(`\n${bench}: ${met} of ${lines.length} targets met${missed.length ? `; not met: ${missed.join("; ")}` : ""}`);
}
