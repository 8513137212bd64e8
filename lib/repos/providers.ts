// The providers a pasted repository can be recognised as: zod-free, so browser code can import it.

export const providerIds = ["github", "gitlab", "gist", "git", "zenodo", "figshare", "dataverse", "hydroshare"] as const;
export type ProviderId = (typeof providerIds)[number];

export const providerLabels: Record<ProviderId, string> = {
  github: "GitHub",
  gitlab: "GitLab",
  gist: "Gist",
  git: "Git repository",
  zenodo: "Zenodo",
  figshare: "Figshare",
  dataverse: "Dataverse",
  hydroshare: "HydroShare",
};

/** BinderHub's names of the providers (its RepoProvider.name), as its metrics label them. */
export const binderProviderNames: Record<ProviderId, string> = { ...providerLabels, git: "Git", hydroshare: "Hydroshare" };

/** Binder's spec prefixes, as in `/v2/<prefix>/...` launch links. */
export const binderPrefixes: Record<ProviderId, string> = {
  github: "gh",
  gitlab: "gl",
  gist: "gist",
  git: "git",
  zenodo: "zenodo",
  figshare: "figshare",
  dataverse: "dataverse",
  hydroshare: "hydroshare",
};
