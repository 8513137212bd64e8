// The kinds of ban rule and how moderators read them: zod-free, so browser code can import it.

export const banKinds = ["spec", "host", "user_build", "user_share"] as const;
export type BanKind = (typeof banKinds)[number];

export const banKindLabels: Record<BanKind, string> = {
  spec: "Repository pattern",
  host: "Host",
  user_build: "User may not build",
  user_share: "User may not share",
};
