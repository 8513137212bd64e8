import "server-only";
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import pLimit from "p-limit";
import { AppError } from "@/lib/http/errors";

/**
 * Answers about tokens that only the Hub can give, asked as anyone may send a made-up token:
 * cached briefly (so a client streaming requests does not ask each time, and a revoked token
 * stops working within that time), one question per distinct token at a time, a bounded number
 * at once, and beyond a queue a 503 instead of waiting. Accepted and refused answers are kept
 * apart, so a flood of made-up tokens cannot push good ones out.
 */
export class TokenChecks<Accepted extends object, Refused extends object> {
  private readonly accepted: LRUCache<string, Accepted>;
  private readonly refused: LRUCache<string, Refused>;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly queue: number;
  private readonly inFlight = new Map<string, Promise<Accepted | Refused>>();

  constructor(
    private readonly ask: (token: string) => Promise<Accepted | Refused>,
    private readonly isAccepted: (answer: Accepted | Refused) => answer is Accepted,
    options: { ttlMs: number; maxAccepted: number; maxRefused: number; concurrency: number; queue: number },
  ) {
    this.queue = options.queue;
    this.accepted = new LRUCache<string, Accepted>({ max: options.maxAccepted, ttl: options.ttlMs });
    this.refused = new LRUCache<string, Refused>({ max: options.maxRefused, ttl: options.ttlMs });
    this.limit = pLimit(options.concurrency);
  }

  /** The Hub's answer about `token`, from the cache when it is recent. */
  async check(token: string): Promise<Accepted | Refused> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.accepted.get(key) ?? this.refused.get(key);
    if (cached) return cached;
    let pending = this.inFlight.get(key);
    if (!pending) {
      if (this.limit.pendingCount >= this.queue) {
        throw new AppError("busy", 503, "Kiln is checking many API tokens with the Hub right now. Try again in a moment.", { headers: { "retry-after": "5" } });
      }
      pending = this.limit(() => this.ask(token)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const answer = await pending;
    if (this.isAccepted(answer)) this.accepted.set(key, answer);
    else this.refused.set(key, answer as Refused);
    return answer;
  }
}
