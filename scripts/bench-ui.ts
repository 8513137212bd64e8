// npm run bench:ui — the pages in Chromium, against the running stack (scripts/stack-up.sh).
//
// 1. JavaScript each page loads before it is usable (compressed bytes on the wire, cold cache):
//    the Launch page and a build page.
// 2. A late joiner: a finished build of 100,000 lines opened fresh, timed from navigation to its
//    last line drawn; then scrolling through it, timed frame by frame.

import path from "node:path";
import type { Page } from "playwright-core";
import { db } from "../lib/db";
import { appendOutput, finishBuild } from "../lib/builds/store";
import { KILN, signedInBrowser } from "./bench-support";
import { summary, target } from "./bench-report";

const LATE_LINES = Number(process.env.BENCH_LATE_LINES ?? 100_000);
const JS_LIMIT_KB = 120;

/** A finished build of `lines` lines in `user`'s library, stored as Kiln stores a build's output. */
async function seedFinishedBuild(userName: string, lines: number): Promise<{ id: string; closing: string }> {
  const client = db();
  const user = await client.user.upsert({ where: { name: userName }, create: { name: userName }, update: {} });
  const label = `bench-ui-${lines}-${Date.now().toString(36)}`;
  const build = await client.build.create({
    data: {
      provider: "git", repoUrl: `git://127.0.0.1:9/${label}.git`, spec: `git/${label}/HEAD`, displayName: label, requestedRef: "HEAD",
      resolvedRef: "0".repeat(40), imageName: `kiln-${label}:latest`, builderImage: "unused", status: "building", requestedById: user.id, startedAt: new Date(),
    },
  });
  const text = (i: number) =>
    i % 50 === 0 ? `\u001b[1mStep ${i / 50}/${lines / 50} : RUN pip install package-${i}\u001b[0m` : `  Downloading package_${i % 997}-1.${i % 13}.${i % 7}-py3-none-any.whl (${i % 900} kB) line ${i}`;
  for (let first = 1; first <= lines; first += 1000) {
    const batch = Array.from({ length: Math.min(1000, lines - first + 1) }, (_, i) => text(first + i));
    await appendOutput(build.id, { firstSeq: first, lines: batch, logBytes: 0, linesConsumed: first + batch.length - 1, truncated: false });
  }
  const closing = `Built ${label} after ${lines} lines.`;
  await finishBuild(build.id, "built", closing);
  await client.libraryEntry.create({ data: { buildId: build.id, userId: user.id } });
  return { id: build.id, closing };
}

/**
 * Compressed kB of the scripts a fresh page loads until the network is quiet: those its HTML
 * names (the first load, before the page is usable) and those loaded after it (lazily, as the
 * build page's log viewer is).
 */
async function scriptKb(page: Page, url: string): Promise<{ first: number; later: number; biggest: string }> {
  const scripts: Promise<[string, number]>[] = [];
  page.on("requestfinished", (request) => {
    if (request.resourceType() === "script") scripts.push(request.sizes().then((sizes) => [request.url(), sizes.responseBodySize]));
  });
  const response = await page.goto(url, { waitUntil: "networkidle" });
  const html = (await response?.text()) ?? "";
  let first = 0;
  let later = 0;
  const loaded = await Promise.all(scripts);
  for (const [scriptUrl, bytes] of loaded) {
    if (html.includes(new URL(scriptUrl).pathname)) first += bytes;
    else later += bytes;
  }
  const biggest = loaded
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([scriptUrl, bytes]) => `${path.basename(new URL(scriptUrl).pathname)} ${(bytes / 1024).toFixed(1)}`)
    .join(", ");
  return { first: first / 1024, later: later / 1024, biggest };
}

/** Milliseconds from navigation until `text` is drawn in the log. */
async function timeToLastLine(page: Page, url: string, text: string): Promise<{ drawnMs: number; streamedMs: number; breakdown: string }> {
  let streamed: Promise<number> = Promise.resolve(NaN);
  const onFinished = (request: import("playwright-core").Request) => {
    if (request.url().endsWith("/events")) streamed = page.evaluate("performance.now()") as Promise<number>;
  };
  page.on("requestfinished", onFinished);
  await page.goto(url, { waitUntil: "commit" });
  // Strings, not functions: tsx would wrap a function's inner names in a helper the page lacks.
  const drawnMs = (await page.evaluate(`new Promise((resolve) => {
    const wanted = ${JSON.stringify(text)};
    const check = () => {
      if (!window.hydratedAt_ && document.documentElement.dataset.hydrated) window.hydratedAt_ = performance.now();
      return document.querySelector("[data-testid=build-log-rows]")?.textContent?.includes(wanted) ? resolve(performance.now()) : requestAnimationFrame(check);
    };
    check();
  })`)) as number;
  await page.waitForTimeout(200);
  page.off("requestfinished", onFinished);
  // Where the time went: the page's HTML from the server, its scripts running (hydration), and
  // the event stream's first byte and end.
  const marks = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const events = performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/events"));
    const hydrated = window.hydratedAt_ ?? NaN;
    return { html: nav.responseEnd, loaded: nav.domContentLoadedEventEnd, hydrated, eventsAsked: events ? events.startTime : NaN, eventsFirstByte: events ? events.responseStart : NaN };
  })()`)) as Record<string, number>;
  const breakdown = Object.entries(marks).map(([name, at]) => `${name} ${Number.isFinite(at) ? at.toFixed(0) : "?"}`).join(", ");
  return { drawnMs, streamedMs: await streamed, breakdown };
}

/** Frame gaps (ms) while the wheel scrolls up through the log. */
async function scrollFrames(page: Page): Promise<number[]> {
  const box = (await page.getByTestId("build-log").boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(`(() => {
    window.frames_ = [];
    let last = performance.now();
    const tick = (now) => {
      window.frames_.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  for (let i = 0; i < 60; i += 1) {
    await page.mouse.wheel(0, i < 40 ? -2000 : 2000);
    await page.waitForTimeout(16);
  }
  return page.evaluate("window.frames_") as Promise<number[]>;
}

async function main() {
  // A user of its own, never a demo account someone may be using.
  const user = process.env.BENCH_USER ?? "bench-ui";
  const { browser, context } = await signedInBrowser(user);
  try {
    const small = await seedFinishedBuild(user, 1000);
    const late = await seedFinishedBuild(user, LATE_LINES);

    console.log("JavaScript each page loads (compressed, cold cache):");
    const pages = { "Launch page": `${KILN}/`, "build page": `${KILN}/builds/${small.id}` };
    const sizes: Record<string, number> = {};
    for (const [name, url] of Object.entries(pages)) {
      const fresh = await browser.newContext({ storageState: await context.storageState() });
      const page = await fresh.newPage();
      const { first, later, biggest } = await scriptKb(page, url);
      sizes[name] = first;
      console.log(`  ${name.padEnd(12)} ${first.toFixed(1)} kB named by the page's HTML, then ${later.toFixed(1)} kB loaded after it (biggest, kB: ${biggest})`);
      await fresh.close();
    }

    console.log(`\nA late joiner: a finished build's page opened fresh, until its last line is drawn:`);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const smallRun = await timeToLastLine(page, `${KILN}/builds/${small.id}`, small.closing);
    const lateRun = await timeToLastLine(page, `${KILN}/builds/${late.id}`, late.closing);
    const lateMs = lateRun.drawnMs;
    console.log(`  1,000 lines   drawn at ${smallRun.drawnMs.toFixed(0)} ms (its event stream done at ${smallRun.streamedMs.toFixed(0)} ms)`);
    console.log(`  ${LATE_LINES.toLocaleString("en")} lines drawn at ${lateMs.toFixed(0)} ms (its event stream done at ${lateRun.streamedMs.toFixed(0)} ms)`);
    console.log(`    on the way, ms from navigation: ${lateRun.breakdown}`);
    const frames = (await scrollFrames(page)).sort((a, b) => a - b);
    const worst = frames.at(-1) ?? NaN;
    console.log(`  scrolling it: ${frames.length} frames, median ${frames[Math.floor(frames.length / 2)]!.toFixed(0)} ms, longest ${worst.toFixed(0)} ms`);

    console.log("\nTargets:");
    for (const [name, kb] of Object.entries(sizes)) target({ name: `JavaScript on first load, ${name}`, figure: kb, baseline: null, unit: "kB", kind: "max", limit: JS_LIMIT_KB });
    target({ name: `late joiner, ${LATE_LINES} lines drawn`, figure: lateMs, baseline: null, unit: "ms", kind: "max", limit: 1000 });
    target({ name: "longest frame while scrolling the log", figure: worst, baseline: null, unit: "ms", kind: "max", limit: 100 });
    summary("bench:ui");
  } finally {
    await browser.close();
    await db().$disconnect();
  }
}

await main();
