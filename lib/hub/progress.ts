import "server-only";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { serverProgress } from "./client";

// Reading the Hub's spawn progress stream (GET /users/{name}/servers/{server}/progress).

/** The events of a Server-Sent Events body, read only as fast as they are taken. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** One event of the Hub's spawn progress. */
export type SpawnProgress = { message?: string; ready?: boolean; failed?: boolean };

/** The Hub's progress events for a starting server, as they come. */
export async function* spawnProgress(user: string, server: string, signal: AbortSignal): AsyncGenerator<SpawnProgress> {
  for await (const event of sseEvents(await serverProgress(user, server, signal))) yield JSON.parse(event.data) as SpawnProgress;
}

/** How a start the Hub is still working on ends: "ready", or "failed" (the Hub said so, stopped reporting, or `signal` gave up). */
export async function spawnOutcome(user: string, server: string, signal: AbortSignal): Promise<"ready" | "failed"> {
  try {
    for await (const progress of spawnProgress(user, server, signal)) {
      if (progress.ready) return "ready";
      if (progress.failed) return "failed";
    }
  } catch {
    // unreachable Hub, or the wait ran out
  }
  return "failed";
}
