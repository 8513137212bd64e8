import { describe, expect, it } from "vitest";
import { findErrorLine, findMatches, firstMatchFrom, markMatches, MATCHES_MAX, plainText, shownText, styledRuns } from "./log-lines";

describe("a log line as the build page shows it", () => {
  it("keeps what a progress bar that rewrote itself with carriage returns left on screen", () => {
    expect(shownText("Downloading  10%\rDownloading  55%\rDownloading 100%")).toBe("Downloading 100%");
    expect(shownText("Solving environment: done\r")).toBe("Solving environment: done");
    expect(shownText("\r\r")).toBe("");
    expect(shownText("no carriage return")).toBe("no carriage return");
  });

  it("turns colours into readable ones and drops other escape sequences", () => {
    const runs = styledRuns("\u001b[31merror:\u001b[0m plain \u001b[1;92mok\u001b[0m\u001b[K");
    expect(runs.map((run) => run.text).join("")).toBe("error: plain ok");
    expect(runs[0]).toEqual({ text: "error:", colour: "#f87171" });
    expect(runs[2]).toMatchObject({ text: "ok", colour: "#86efac", bold: true });
    // A 256-colour index below 16 is one of the named colours; above it the log's own colour stays.
    expect(styledRuns("\u001b[38;5;9mx")[0]!.colour).toBe("#fca5a5");
    expect(styledRuns("\u001b[38;5;196mx")[0]!.colour).toBeUndefined();
    expect(styledRuns("\u001b[41m x \u001b[0m")[0]!.background).toBe("#7f1d1d");
  });

  it("leaves markup as text: the viewer never parses a line as HTML", () => {
    expect(styledRuns("<img src=x onerror=alert(1)> &amp;")).toEqual([{ text: "<img src=x onerror=alert(1)> &amp;" }]);
    expect(plainText("\u001b[33m<script>\u001b[0m")).toBe("<script>");
  });

  it("searches the same text it draws", () => {
    for (const line of ["\u001b[33m… (Kiln keeps 64 KiB of a line)\u001b[0m", "a\rb\u001b[1mc\u001b[0md", "\u001b[38;2;1;2;3mtrue\u001b[0m colour", ""]) {
      expect(plainText(line)).toBe(styledRuns(line).map((run) => run.text).join(""));
    }
  });
});

describe("searching the log", () => {
  const lines = ["Step 1/8 : FROM base", "kiln-line-3", "KILN-LINE-30 and kiln-line-31", "nothing", "error: the-thing-is-missing"];
  const lowered = (line: number) => plainText(lines[line]!).toLowerCase();

  it("counts every occurrence, whatever its case, in order", () => {
    expect(findMatches(lines.length, lowered, "kiln-line-3")).toEqual([
      { line: 1, start: 0 },
      { line: 2, start: 0 },
      { line: 2, start: 17 },
    ]);
    expect(findMatches(lines.length, lowered, "no such text")).toEqual([]);
    expect(findMatches(lines.length, lowered, "")).toEqual([]);
  });

  it("stops counting at the cap, so a one-letter search over a long log stays quick", () => {
    expect(findMatches(5000, () => "aaaaa", "a")).toHaveLength(MATCHES_MAX);
  });

  it("shows first the match at or below the top of the view, wrapping to the first", () => {
    const matches = findMatches(lines.length, lowered, "kiln-line-3");
    expect(firstMatchFrom(matches, 0)).toBe(0);
    expect(firstMatchFrom(matches, 2)).toBe(1);
    expect(firstMatchFrom(matches, 4)).toBe(0);
    expect(firstMatchFrom([], 0)).toBe(-1);
  });

  it("jumps to the failed step's output when Kiln knows it, else to the last line that says error", () => {
    const plain = (line: number) => plainText(lines[line]!);
    expect(findErrorLine(lines.length, plain, "kiln-line-3")).toBe(2); // the last line with it, from the end
    expect(findErrorLine(lines.length, plain, `error: the-thing-is-missing${"x".repeat(200)}…`.slice(0, 27) + "…")).toBe(4);
    expect(findErrorLine(lines.length, plain, "not in the log")).toBe(4);
    expect(findErrorLine(4, plain)).toBe(-1);
  });

  it("marks matches inside coloured text without losing the colours around them", () => {
    const runs = styledRuns("\u001b[31mred kiln\u001b[0m kiln plain");
    const marked = markMatches(runs, [4, 9], 4);
    expect(marked.map((run) => [run.text, run.match ?? false, run.colour ?? null])).toEqual([
      ["red ", false, "#f87171"],
      ["kiln", true, "#f87171"],
      [" ", false, null],
      ["kiln", true, null],
      [" plain", false, null],
    ]);
    // A match across two runs is marked in both.
    expect(markMatches(runs, [6], 4).filter((run) => run.match).map((run) => run.text)).toEqual(["ln", " k"]);
  });
});
