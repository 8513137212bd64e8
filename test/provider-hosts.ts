import type { ProviderHosts } from "@/lib/repos/types";

/** The public providers' addresses, as Kiln's defaults name them. */
export const publicHosts: ProviderHosts = {
  github: "https://github.com",
  gist: "https://gist.github.com",
  gitlab: "https://gitlab.com",
  zenodo: "https://zenodo.org",
  figshare: "https://figshare.com",
  hydroshare: "https://www.hydroshare.org",
  dataverse: ["https://dataverse.harvard.edu"],
};
