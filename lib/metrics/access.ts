import "server-only";
import { createHash } from "node:crypto";
import type { NextRequest } from "next/server";
import { LRUCache } from "lru-cache";
import pLimit from "p-limit";
import { bearerToken } from "@/lib/auth/api-tokens";
import { serverEnv } from "@/lib/env";
import { userTokenProfile } from "@/lib/hub/client";
import { AppError } from "@/lib/http/errors";

// /metrics is guarded as JupyterHub guards its own /hub/metrics (authenticate_prometheus): a Hub
// API token with the read:metrics scope, of a user or a service, so the token a Prometheus
// already uses for the Hub reads Kiln too. KILN_METRICS_AUTHENTICATE=false opens it, as
// authenticate_prometheus = False does.

export const METRICS_SCOPE = "read:metrics";
const CACHE_MS = 30_000;
const allowed = new LRUCache<string, true>({ max: 100, ttl: CACHE_MS });
// Refusals are kept apart, so a flood of made-up tokens cannot push Prometheus' token out.
const refused = new LRUCache<string, true>({ max: 2000, ttl: CACHE_MS });
// One question to the Hub per distinct token at a time, however many scrapes send it.
const inFlight = new Map<string, Promise<boolean>>();
// Anyone can send made-up tokens here: the Hub is asked a few at a time, and beyond a short queue
// Kiln answers 503 rather than queueing without bound (as lib/auth/api-tokens.ts does).
const hubChecks = pLimit(4);
const HUB_CHECK_QUEUE = 50;

const needToken = () =>
  new AppError("metrics_token_required", 401, `Send a Hub API token with the ${METRICS_SCOPE} scope (Authorization: token …), as for JupyterHub's own /hub/metrics.`, {
    headers: { "www-authenticate": 'token realm="kiln"' },
  });

async function askHub(token: string): Promise<boolean> {
  const answer = await userTokenProfile(token);
  if (answer.status === "unknown") throw new AppError("hub_unavailable", 503, "JupyterHub did not answer whether this API token may read metrics. Try again in a minute.");
  const scopes = answer.status === "valid" ? (answer.profile as { scopes?: unknown }).scopes : [];
  return Array.isArray(scopes) && scopes.includes(METRICS_SCOPE);
}

/** Resolves when the request may read the metrics; otherwise throws the refusal. */
export async function assertMetricsReader(request: NextRequest): Promise<void> {
  if (!serverEnv().KILN_METRICS_AUTHENTICATE) return;
  const token = bearerToken(request.headers.get("authorization"));
  if (!token) throw needToken();
  const key = createHash("sha256").update(token).digest("hex");
  let mayRead = allowed.has(key) ? true : refused.has(key) ? false : undefined;
  if (mayRead === undefined) {
    let pending = inFlight.get(key);
    if (!pending) {
      if (hubChecks.pendingCount >= HUB_CHECK_QUEUE) {
        throw new AppError("busy", 503, "Kiln is checking many tokens with the Hub right now. Try again in a moment.", { headers: { "retry-after": "5" } });
      }
      pending = hubChecks(() => askHub(token)).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    mayRead = await pending;
    (mayRead ? allowed : refused).set(key, true);
  }
  if (!mayRead) throw new AppError("metrics_forbidden", 403, `This token may not read Kiln's metrics: it lacks the scope ${METRICS_SCOPE} (a Hub admin grants it with a role).`);
}
