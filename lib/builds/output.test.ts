import { describe, expect, it } from "vitest";
import { LineSplitter, parseOutputLine } from "./output";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("LineSplitter", () => {
  it("holds a partial line until its newline arrives, across chunk boundaries", () => {
    const splitter = new LineSplitter();
    expect(splitter.push(bytes("one\r\ntw"))).toEqual(["one"]);
    expect(splitter.push(bytes("o\nthree"))).toEqual(["two"]);
    expect(splitter.end()).toEqual(["three"]);
  });

  it("does not break a multi-byte character split between chunks", () => {
    const splitter = new LineSplitter();
    const text = bytes("naïve ✓\n");
    expect([...splitter.push(text.slice(0, 3)), ...splitter.push(text.slice(3))]).toEqual(["naïve ✓"]);
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
