import type { KilnUser } from "./identity";

// Who may do what. Shared by server and client so the UI hides exactly what the API refuses.

export const canModerate = (user: Pick<KilnUser, "isModerator"> | null | undefined): boolean =>
  Boolean(user?.isModerator);
