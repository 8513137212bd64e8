import { z } from "zod";

// Shared by server and client: what a pasted repository was recognised as.

/** Where each provider lives; configurable for GitHub Enterprise, self-hosted GitLab, other Dataverses. */
export interface ProviderHosts {
  github: string;
  gist: string;
  gitlab: string;
  zenodo: string;
  figshare: string;
  hydroshare: string;
  dataverse: string[];
}

export type RepoTarget =
  | { provider: "github"; owner: string; repo: string }
  | { provider: "gitlab"; project: string }
  | { provider: "gist"; owner: string; id: string }
  | { provider: "git"; url: string }
  | { provider: "zenodo"; recordId: string }
  | { provider: "figshare"; articleId: string; version?: string }
  | { provider: "hydroshare"; resourceId: string }
  | { provider: "dataverse"; doi: string; host?: string };

/** A repository recognised from what someone pasted, before any network call. */
export interface ParsedRepo {
  target: RepoTarget;
  /** The ref asked for: a branch, tag or commit for git hosts; a version for records. */
  ref: string;
  displayName: string;
}

export const launchRequestSchema = z
  .object({
    repository: z.string().trim().min(1, "Paste a repository URL, a DOI or a Binder spec.").max(2048, "A repository URL is at most 2048 characters."),
    ref: z.string().trim().max(255, "A ref is at most 255 characters.").default(""),
    path: z.string().trim().max(1024, "A path is at most 1024 characters.").default(""),
    /** `repository` is a launch link's spec (`gh/org/repo/ref`), read strictly as BinderHub reads it. */
    link: z.boolean().optional(),
  })
  .strict();
export type LaunchRequest = z.infer<typeof launchRequestSchema>;
