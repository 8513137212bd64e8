import { describe, expect, it } from "vitest";
import { cutMark, formatBytes, LineSplitter, parseOutputLine } from "./output";

const bytes = (text: string) => new TextEncoder().encode(text);
const texts = (lines: { text: string }[]) => lines.map((line) => line.text);

describe("LineSplitter", () => {
  it("holds a partial line until its newline arrives, across chunk boundaries", () => {
    const splitter = new LineSplitter();
    expect(texts(splitter.push(bytes("one\r\ntw")))).toEqual(["one"]);
    expect(texts(splitter.push(bytes("o\nthree")))).toEqual(["two"]);
    expect(splitter.end()).toEqual([{ text: "three", cutBytes: 0 }]);
    expect(splitter.end()).toEqual([]);
  });

  it("does not break a multi-byte character split between chunks", () => {
    const splitter = new LineSplitter();
    const text = bytes("naïve ✓\n");
    expect(texts([...splitter.push(text.slice(0, 3)), ...splitter.push(text.slice(3))])).toEqual(["naïve ✓"]);
  });

  it("keeps empty lines", () => {
    expect(new LineSplitter().push(bytes("\r\n\n\r\n"))).toEqual([
      { text: "", cutBytes: 0 },
      { text: "", cutBytes: 0 },
      { text: "", cutBytes: 0 },
    ]);
  });

  it("cuts a line longer than the limit and counts what it left out, however it is chunked", () => {
    const splitter = new LineSplitter(1024);
    const out = [...splitter.push(bytes("a".repeat(1000))), ...splitter.push(bytes("b".repeat(1000))), ...splitter.push(bytes("c".repeat(500) + "\nnext\n"))];
    expect(out).toEqual([
      { text: "a".repeat(1000) + "b".repeat(24), cutBytes: 976 + 500 },
      { text: "next", cutBytes: 0 },
    ]);
  });

  it("cuts on a character boundary", () => {
    const splitter = new LineSplitter(1024);
    // 1023 ASCII bytes, then a 3-byte character that would straddle the limit.
    const [line] = splitter.push(bytes(`${"x".repeat(1023)}✓✓\n`));
    expect(line).toEqual({ text: "x".repeat(1023), cutBytes: 6 });
  });

  it("cuts a line that never ends when the output does", () => {
    const splitter = new LineSplitter(1024);
    splitter.push(bytes("z".repeat(5000)));
    expect(splitter.end()).toEqual([{ text: "z".repeat(1024), cutBytes: 5000 - 1024 }]);
  });

  it("holds at most the limit of a 50 MB line without a newline", () => {
    const splitter = new LineSplitter(64 * 1024);
    const chunk = new Uint8Array(64 * 1024).fill(0x78);
    const chunks = (50 * 1024 * 1024) / chunk.length;
    for (let i = 0; i < chunks; i += 1) expect(splitter.push(chunk)).toEqual([]);
    // What it holds is bounded by the limit, not by the line.
    expect((splitter as unknown as { held: number }).held).toBe(64 * 1024);
    // A terminal's \r\n: the \r is not counted as part of the line.
    const [line] = splitter.push(bytes("\r\n"));
    expect(line!.text.length).toBe(64 * 1024);
    expect(line!.cutBytes).toBe(50 * 1024 * 1024 - 64 * 1024);
  });
});

describe("cutMark and formatBytes", () => {
  it("names the limit and what was left out", () => {
    expect(cutMark(123, 65536)).toContain("Kiln keeps 64 KiB of a line; 123 more bytes of this one are not stored");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10 MiB");
    expect(formatBytes(4000)).toBe("4000 bytes");
  });
});

describe("parseOutputLine", () => {
  it("unwraps repo2docker's JSON log lines and their phase", () => {
    expect(parseOutputLine('{"message": "Step 1/5 : FROM x\\n", "phase": "building"}')).toEqual([{ text: "Step 1/5 : FROM x", phase: "building" }]);
    expect(parseOutputLine('{"message": "a\\nb\\n"}')).toEqual([{ text: "a", phase: undefined }, { text: "b", phase: undefined }]);
  });

  it("keeps the failure message", () => {
    const [line] = parseOutputLine('{"message": "Error during build: boom", "phase": "failed"}');
    expect(line).toMatchObject({ phase: "failed", failure: "Error during build: boom" });
  });

  it("passes anything else through, colours included", () => {
    expect(parseOutputLine("\u001b[32mplain\u001b[0m")).toEqual([{ text: "\u001b[32mplain\u001b[0m" }]);
    expect(parseOutputLine("{not json")).toEqual([{ text: "{not json" }]);
  });
});
