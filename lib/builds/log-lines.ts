// How the build page shows a stored log line: what a terminal would leave on screen, its colours,
// and searching many lines. Pure and zod-free, so the browser bundles it and Vitest tests it.
import Anser from "anser";

/** A run of text with one style, as the viewer draws it. */
export interface StyledRun {
  text: string;
  colour?: string;
  background?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  strikethrough?: boolean;
}

/**
 * What a terminal leaves of a line with carriage returns (a progress bar rewriting itself): the
 * last segment that printed something. A terminal would overlay segments; build tools redraw the
 * whole line each time, so the last one is what a person saw.
 */
export function shownText(text: string): string {
  if (!text.includes("\r")) return text;
  const segments = text.split("\r");
  for (let index = segments.length - 1; index >= 0; index -= 1) if (segments[index]) return segments[index]!;
  return "";
}

// Every colour reads at 4.5:1 or more on the log's dark background (stone-900 and stone-950);
// terminals' own reds and blues do not.
const FOREGROUND: Record<string, string> = {
  black: "#a8a29e", red: "#f87171", green: "#4ade80", yellow: "#fbbf24", blue: "#60a5fa", magenta: "#e879f9", cyan: "#22d3ee", white: "#e7e5e4",
  "bright-black": "#a8a29e", "bright-red": "#fca5a5", "bright-green": "#86efac", "bright-yellow": "#fde68a",
  "bright-blue": "#93c5fd", "bright-magenta": "#f0abfc", "bright-cyan": "#67e8f9", "bright-white": "#fafaf9",
};
// Backgrounds dark enough for the light text above.
const BACKGROUND: Record<string, string> = {
  black: "#0c0a09", red: "#7f1d1d", green: "#14532d", yellow: "#713f12", blue: "#1e3a8a", magenta: "#701a75", cyan: "#164e63", white: "#44403c",
  "bright-black": "#292524", "bright-red": "#991b1b", "bright-green": "#166534", "bright-yellow": "#854d0e",
  "bright-blue": "#1e40af", "bright-magenta": "#86198f", "bright-cyan": "#155e75", "bright-white": "#57534e",
};
const NAMED_PALETTE = Object.keys(FOREGROUND);

/** "ansi-red", "ansi-bright-red", "ansi-palette-9" → "bright-red"; other palette and true colours → none. */
function colourName(ansiClass: string | null): string | undefined {
  if (!ansiClass?.startsWith("ansi-")) return undefined;
  const name = ansiClass.slice(5);
  if (name.startsWith("palette-")) return NAMED_PALETTE[Number(name.slice(8))];
  return name in FOREGROUND ? name : undefined;
}

/** A line's styled runs: colours and decorations kept, every other escape sequence dropped. */
export function styledRuns(text: string): StyledRun[] {
  const shown = shownText(text);
  if (!shown.includes("\u001b")) return shown ? [{ text: shown }] : [];
  // Classes rather than anser's own colours: they map onto the readable palette above. 256-colour
  // and true-colour text keeps the log's own colour, which is always readable.
  return Anser.ansiToJson(shown, { json: true, remove_empty: true, use_classes: true }).map((chunk) => {
    const run: StyledRun = { text: chunk.content };
    const fg = colourName(chunk.fg);
    const bg = colourName(chunk.bg);
    if (fg) run.colour = FOREGROUND[fg];
    if (bg) run.background = BACKGROUND[bg];
    const decorations = chunk.decorations ?? [];
    if (decorations.includes("bold")) run.bold = true;
    if (decorations.includes("italic")) run.italic = true;
    if (decorations.includes("underline")) run.underline = true;
    if (decorations.includes("strikethrough")) run.strikethrough = true;
    return run;
  });
}

/** The text a reader sees (and searches): no escapes, the last carriage-return segment. */
export function plainText(text: string): string {
  const shown = shownText(text);
  return shown.includes("\u001b") ? Anser.ansiToText(shown) : shown;
}

/** One occurrence of the searched text: its line and where in that line's plain text. */
export interface LogMatch {
  line: number;
  start: number;
}

/** Searching stops counting here: "10000+ matches" tells a reader to search for more. */
export const MATCHES_MAX = 10_000;

/**
 * Every case-insensitive occurrence of `query` in the lines (each line's lower-cased plain text,
 * as `lowered` gives it), up to MATCHES_MAX, in order.
 */
export function findMatches(count: number, lowered: (line: number) => string, query: string): LogMatch[] {
  const needle = query.toLowerCase();
  const matches: LogMatch[] = [];
  if (!needle) return matches;
  for (let line = 0; line < count; line += 1) {
    for (const start of matchStarts(lowered(line), needle)) {
      matches.push({ line, start });
      if (matches.length >= MATCHES_MAX) return matches;
    }
  }
  return matches;
}

/** Where `needle` (lower-cased) starts in a lower-cased line, without overlaps, in order. */
export function matchStarts(lowered: string, needle: string): number[] {
  const starts: number[] = [];
  if (!needle) return starts;
  for (let start = lowered.indexOf(needle); start !== -1; start = lowered.indexOf(needle, start + needle.length)) starts.push(start);
  return starts;
}

/** The match a search shows first: the first at or below the top row in view, else the first of all. */
export function firstMatchFrom(matches: LogMatch[], topLine: number): number {
  if (!matches.length) return -1;
  const index = matches.findIndex((match) => match.line >= topLine);
  return index === -1 ? 0 : index;
}

const ERROR_WORDS = /\b(error|failed|fatal)\b/i;

/**
 * The line "Jump to the error" shows, from the end: the failed step's last output when Kiln knows
 * it (a summary cut at 300 characters ends in "…": its start is enough), else the last line that
 * says error, failed or fatal. -1 when there is none.
 */
export function findErrorLine(count: number, plain: (line: number) => string, errorText?: string): number {
  const wanted = errorText?.replace(/…$/, "").slice(0, 120).trim();
  if (wanted) {
    for (let line = count - 1; line >= 0; line -= 1) if (plain(line).includes(wanted)) return line;
  }
  for (let line = count - 1; line >= 0; line -= 1) if (ERROR_WORDS.test(plain(line))) return line;
  return -1;
}

/**
 * Styled runs cut where matches of a search begin and end, so a match keeps the line's colours
 * around it; `match` marks the pieces inside one. `starts` are ascending offsets in the plain text.
 */
export function markMatches(runs: StyledRun[], starts: number[], length: number): (StyledRun & { match?: boolean })[] {
  if (!starts.length || length <= 0) return runs;
  const marked: (StyledRun & { match?: boolean })[] = [];
  let offset = 0;
  for (const run of runs) {
    const end = offset + run.text.length;
    let at = offset;
    for (const start of starts) {
      const stop = start + length;
      if (stop <= at || start >= end) continue;
      if (start > at) marked.push({ ...run, text: run.text.slice(at - offset, start - offset) });
      const from = Math.max(start, at);
      const to = Math.min(stop, end);
      marked.push({ ...run, text: run.text.slice(from - offset, to - offset), match: true });
      at = to;
    }
    if (at < end) marked.push({ ...run, text: run.text.slice(at - offset) });
    offset = end;
  }
  return marked;
}
