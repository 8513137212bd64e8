import "server-only";
import { serverEnv } from "@/lib/env";
import { userTokenProfile } from "@/lib/hub/client";
import { AppError } from "@/lib/http/errors";
import { recordTokenUse } from "@/lib/users/server";
import { hubUserSchema, kilnUserFromToken, type KilnUser } from "./identity";
import { TokenChecks } from "./token-checks";

// Hub API tokens as every JupyterHub service accepts them: `Authorization: token …` or
// `Bearer …`, checked with the Hub (GET /hub/api/user answers with the token's own scopes), and
// accepted only when the token may access this service. Answers are cached briefly so a client
// streaming many requests does not ask the Hub each time; a revoked token stops working within
// that time.

type Refusal = "revoked" | "no_access" | "not_a_user";
/** A token's owner, and whether its scopes let it change things in Kiln. */
export type TokenHolder = { user: KilnUser; mayWrite: boolean };
type Checked = TokenHolder | { refused: Refusal };
const checks = new TokenChecks<TokenHolder, { refused: Refusal }>(
  askHub,
  (answer): answer is TokenHolder => "user" in answer,
  { ttlMs: 30_000, maxAccepted: 5000, maxRefused: 2000, concurrency: 8, queue: 200 },
);

/** The token in an Authorization header, or null when the header names no token scheme Kiln knows. */
export function bearerToken(header: string | null): string | null {
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** The service's own name at the Hub (its OAuth client id is `service-<name>`). */
export function serviceName(): string {
  return serverEnv().JUPYTERHUB_CLIENT_ID.slice("service-".length);
}

/** Whether the token's scopes let it reach this service, as JupyterHub's HubAuth decides. */
export function grantsServiceAccess(scopes: readonly string[], service: string): boolean {
  return scopes.some((scope) => scope === "access:services" || scope === `access:services!service=${service}`);
}

/**
 * Whether the token's scopes let it change things in Kiln: the write scope itself, or filtered
 * to its own user (`…!user=<name>`); any other filter names someone else and does not count.
 */
export function grantsWrite(scopes: readonly string[], writeScope: string, userName: string): boolean {
  return scopes.some((scope) => scope === writeScope || scope === `${writeScope}!user=${userName}`);
}

/** The refusal of a change asked with a token that may only read. */
export const readOnlyToken = () =>
  new AppError(
    "token_read_only",
    403,
    `This API token may only read in Kiln: it lacks the scope ${serverEnv().KILN_WRITE_SCOPE}. Make a token without restricting its scopes, or include that one.`,
  );

const invalidToken = () =>
  new AppError("invalid_token", 401, "This API token is not valid: it was revoked, has expired, or was mistyped. Make a new one on the Hub's Token page.", {
    headers: { "www-authenticate": 'token realm="kiln"' },
  });

async function askHub(token: string): Promise<Checked> {
  const answer = await userTokenProfile(token);
  if (answer.status === "unknown") {
    throw new AppError("hub_unavailable", 503, "JupyterHub did not answer whether this API token is valid. Try again in a minute.");
  }
  if (answer.status !== "valid") return { refused: "revoked" };
  const profile = hubUserSchema.safeParse(answer.profile);
  if (!profile.success) return { refused: "not_a_user" };
  if (!grantsServiceAccess(profile.data.scopes, serviceName())) return { refused: "no_access" };
  // What this token may do (a narrow token is no moderator); the user's row is not rewritten
  // from it, so a narrow token never takes a role away from their browser session.
  const user = kilnUserFromToken(profile.data, serverEnv().KILN_MODERATOR_SCOPE);
  const stored = await recordTokenUse(user);
  // A token without read:users:groups shows no groups; the ones the Hub gave at sign-in count
  // (a narrow token must not escape a stricter group quota).
  const showsGroups = Array.isArray((answer.profile as { groups?: unknown }).groups);
  const mayWrite = grantsWrite(profile.data.scopes, serverEnv().KILN_WRITE_SCOPE, user.name);
  return { user: showsGroups ? user : { ...user, groups: stored.groups }, mayWrite };
}

/** The Kiln user a Hub API token belongs to and what it may do, or an AppError saying why it is refused. */
export async function holderOfToken(token: string): Promise<TokenHolder> {
  const result = await checks.check(token);
  if ("user" in result) return result;
  if (result.refused === "revoked") throw invalidToken();
  if (result.refused === "not_a_user") {
    throw new AppError("not_a_user_token", 403, "Kiln accepts API tokens of Hub users, not of services. Use a token made on the Hub's Token page.");
  }
  throw new AppError(
    "token_lacks_access",
    403,
    `This API token may not use Kiln: it lacks the scope access:services!service=${serviceName()}. Make a token without restricting its scopes, or include that one.`,
  );
}
