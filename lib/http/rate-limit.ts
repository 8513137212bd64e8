import "server-only";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { serverEnv } from "@/lib/env";
import { AppError } from "./errors";

// Requests per minute per signed-in person, counted in this process (each replica counts its
// own): one person's script cannot take Kiln from everyone else.

const holder = globalThis as unknown as { kilnRequestLimiter?: RateLimiterMemory };

function limiter(): RateLimiterMemory {
  holder.kilnRequestLimiter ??= new RateLimiterMemory({ points: serverEnv().KILN_REQUESTS_PER_MINUTE, duration: 60 });
  return holder.kilnRequestLimiter;
}

/** Counts one request of `user`; a 429 with Retry-After once their minute's budget is spent. */
export async function consumeRequest(user: string): Promise<void> {
  try {
    await limiter().consume(user);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw new AppError("too_many_requests", 429, `You have made too many requests in a minute. Wait ${seconds} seconds, then try again.`, {
      headers: { "retry-after": String(seconds) },
    });
  }
}
