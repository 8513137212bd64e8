import "server-only";
import type { NextRequest } from "next/server";
import { bearerToken } from "@/lib/auth/api-tokens";
import { TokenChecks } from "@/lib/auth/token-checks";
import { serverEnv } from "@/lib/env";
import { userTokenProfile } from "@/lib/hub/client";
import { AppError } from "@/lib/http/errors";

// /metrics is guarded as JupyterHub guards its own /hub/metrics (authenticate_prometheus): a Hub
// API token with the read:metrics scope, of a user or a service, so the token a Prometheus
// already uses for the Hub reads Kiln too. KILN_METRICS_AUTHENTICATE=false opens it, as
// authenticate_prometheus = False does.

export const METRICS_SCOPE = "read:metrics";
// Prometheus' token is asked about once per 30 s; made-up tokens can neither push it out of the
// cache nor queue without bound (lib/auth/token-checks.ts).
const checks = new TokenChecks<{ mayRead: true }, { mayRead: false }>(askHub, (answer): answer is { mayRead: true } => answer.mayRead, {
  ttlMs: 30_000,
  maxAccepted: 100,
  maxRefused: 2000,
  concurrency: 4,
  queue: 50,
});

const needToken = () =>
  new AppError("metrics_token_required", 401, `Send a Hub API token with the ${METRICS_SCOPE} scope (Authorization: token …), as for JupyterHub's own /hub/metrics.`, {
    headers: { "www-authenticate": 'token realm="kiln"' },
  });

async function askHub(token: string): Promise<{ mayRead: true } | { mayRead: false }> {
  const answer = await userTokenProfile(token);
  if (answer.status === "unknown") throw new AppError("hub_unavailable", 503, "JupyterHub did not answer whether this API token may read metrics. Try again in a minute.");
  const scopes = answer.status === "valid" ? (answer.profile as { scopes?: unknown }).scopes : [];
  return Array.isArray(scopes) && scopes.includes(METRICS_SCOPE) ? { mayRead: true } : { mayRead: false };
}

/** Resolves when the request may read the metrics; otherwise throws the refusal. */
export async function assertMetricsReader(request: NextRequest): Promise<void> {
  if (!serverEnv().KILN_METRICS_AUTHENTICATE) return;
  const token = bearerToken(request.headers.get("authorization"));
  if (!token) throw needToken();
  const { mayRead } = await checks.check(token);
  if (!mayRead) throw new AppError("metrics_forbidden", 403, `This token may not read Kiln's metrics: it lacks the scope ${METRICS_SCOPE} (a Hub admin grants it with a role).`);
}
