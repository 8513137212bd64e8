import { describe, expect, it } from "vitest";
import { TokenChecks } from "./token-checks";

type Good = { ok: true; token: string };
type Bad = { ok: false };

function checker(options: Partial<{ concurrency: number; queue: number; maxRefused: number }> = {}) {
  const asked: string[] = [];
  const waiting: (() => void)[] = [];
  let hold = false;
  const checks = new TokenChecks<Good, Bad>(
    async (token) => {
      asked.push(token);
      if (hold) await new Promise<void>((resolve) => waiting.push(resolve));
      return token.startsWith("good") ? { ok: true, token } : { ok: false };
    },
    (answer): answer is Good => answer.ok,
    { ttlMs: 60_000, maxAccepted: 10, maxRefused: options.maxRefused ?? 10, concurrency: options.concurrency ?? 2, queue: options.queue ?? 5 },
  );
  return { checks, asked, release: () => waiting.splice(0).forEach((go) => go()), holdAnswers: () => (hold = true) };
}

describe("token checks with the Hub", () => {
  it("asks once per token, however many requests send it at once, then answers from the cache", async () => {
    const { checks, asked, holdAnswers, release } = checker();
    holdAnswers();
    const answers = Array.from({ length: 5 }, () => checks.check("good-1"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect(await Promise.all(answers)).toEqual(Array(5).fill({ ok: true, token: "good-1" }));
    expect(await checks.check("good-1")).toEqual({ ok: true, token: "good-1" });
    expect(asked).toEqual(["good-1"]);
  });

  it("keeps refusals apart: a flood of made-up tokens does not push a good one out", async () => {
    const { checks, asked } = checker({ maxRefused: 3 });
    await checks.check("good-prometheus");
    for (let i = 0; i < 50; i++) expect(await checks.check(`made-up-${i}`)).toEqual({ ok: false });
    expect(await checks.check("good-prometheus")).toEqual({ ok: true, token: "good-prometheus" });
    expect(asked.filter((token) => token === "good-prometheus")).toHaveLength(1);
  });

  it("answers 503 beyond its queue instead of waiting without bound", async () => {
    const { checks, holdAnswers, release } = checker({ concurrency: 1, queue: 2 });
    holdAnswers();
    const held = [checks.check("good-a"), checks.check("good-b"), checks.check("good-c")];
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(checks.check("good-d")).rejects.toMatchObject({ code: "busy", status: 503 });
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect((await Promise.all(held)).map((answer) => answer.ok)).toEqual([true, true, true]);
  });
});
