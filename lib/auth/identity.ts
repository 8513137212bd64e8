import { z } from "zod";

// Shared by server and client: who the signed-in person is, as Kiln's session carries it.

/** The part of JupyterHub's `GET /hub/api/user` model that Kiln relies on. */
export const hubUserSchema = z.object({
  kind: z.literal("user"),
  name: z.string().min(1),
  admin: z.boolean().default(false),
  groups: z.array(z.string()).default([]),
  scopes: z.array(z.string()).default([]),
});
export type HubUser = z.infer<typeof hubUserSchema>;

export const kilnUserSchema = z
  .object({
    name: z.string().min(1),
    isAdmin: z.boolean(),
    isModerator: z.boolean(),
    groups: z.array(z.string()),
  })
  .strict();
export type KilnUser = z.infer<typeof kilnUserSchema>;

/**
 * Maps the Hub's user model to Kiln's session user. A Hub admin is always a moderator; anyone
 * else is one when their token carries the moderator scope (directly or through a group role).
 */
export function kilnUserFromHub(profile: unknown, moderatorScope: string): KilnUser {
  const hubUser = hubUserSchema.parse(profile);
  const holdsScope = hubUser.scopes.some((scope) => scope === moderatorScope || scope.startsWith(`${moderatorScope}!`));
  return {
    name: hubUser.name,
    isAdmin: hubUser.admin,
    isModerator: hubUser.admin || holdsScope,
    groups: [...hubUser.groups].sort(),
  };
}

/**
 * The same for a Hub API token, which may be narrowed: an admin's token is an admin's (and a
 * moderator's) only while it still carries admin scopes (admin:users), the moderator scope only
 * while it carries that scope. A token handed to a third-party page is then only what it says.
 */
export function kilnUserFromToken(profile: unknown, moderatorScope: string): KilnUser {
  const user = kilnUserFromHub(profile, moderatorScope);
  const scopes = hubUserSchema.parse(profile).scopes;
  const admin = user.isAdmin && scopes.includes("admin:users");
  const holdsScope = scopes.some((scope) => scope === moderatorScope || scope.startsWith(`${moderatorScope}!`));
  return { ...user, isAdmin: admin, isModerator: admin || holdsScope };
}
