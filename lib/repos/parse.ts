import { escapism } from "./escapism";
import { decodeComponent, looksLikeGitUrl, parseFetchUrl, RepoInputError } from "./git-url";
import { binderPrefixes } from "./providers";
import type { ParsedRepo, ProviderHosts, RepoTarget } from "./types";

// Recognises what people paste: provider URLs, DOIs, any git URL, Binder specs and launch links.
// Pure and shared, so the Launch form can say what it recognised while you type. Plain git URLs
// go through parseFetchUrl, the one parser of what git and repo2docker receive.

export { RepoInputError };

const DOI = /^(?:doi:|https?:\/\/(?:dx\.)?doi\.org\/)?(10\.\d{4,9}\/[^\s?#\\]+)$/i;
const SHA = /^[0-9a-f]{40}$/i;
const HEX32 = /^[0-9a-f]{32}$/i;
const SPEC = /^(gh|gl|gist|git|zenodo|figshare|hydroshare|dataverse)\/(.+)$/;
/** A GitHub owner or repository, a GitLab group or project, a gist owner: what the hosts themselves allow. */
const NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;
const GIST_ID = /^[A-Za-z0-9]+$/;

/**
 * The path segments of `url` below a provider's base URL, or null when it is not under it.
 * Bases may carry a path (a GitLab served at https://example.org/gitlab).
 */
function below(url: URL, base: string): string[] | null {
  const baseUrl = new URL(base);
  if (url.host.toLowerCase() !== baseUrl.host.toLowerCase()) return null;
  const prefix = segments(baseUrl.pathname);
  const parts = segments(url.pathname);
  return prefix.every((segment, i) => parts[i] === segment) ? parts.slice(prefix.length) : null;
}
const trimGit = (name: string) => name.replace(/\.git$/, "");
const segments = (path: string) => path.split("/").filter(Boolean).map((part) => decodeComponent(part));

function checkName(name: string, what: string): string {
  if (!NAME.test(name)) throw new RepoInputError(`${what} “${name}” can only have letters, digits, _, . and -.`);
  return name;
}

export function isFullSha(ref: string): boolean {
  return SHA.test(ref);
}

/** Recognises `input` (and an optional separate `ref`) or throws a RepoInputError saying what to paste. */
export function parseRepository(input: string, ref: string, hosts: ProviderHosts): ParsedRepo {
  const text = input.trim();
  if (!text) throw new RepoInputError("Paste a repository URL, a DOI or a Binder spec.");
  const launchLink = /\/v2\/((?:gh|gl|gist|git|zenodo|figshare|hydroshare|dataverse)\/.+)$/.exec(text.split("?")[0] ?? "");
  if (launchLink?.[1]) return fromSpec(launchLink[1], ref, false);
  if (SPEC.test(text) && !text.includes("://")) return fromSpec(text, ref, false);
  const doi = DOI.exec(text);
  if (doi?.[1]) return withRef(fromDoi(doi[1]), ref, undefined);

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme) {
    // Checks the scheme, refuses user info and backslashes, and reads the host as git would;
    // provider pages may carry queries, so their path is checked only when taken as plain git.
    parseFetchUrl(text, scheme === "https" || scheme === "http" ? "web" : "git");
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new RepoInputError("This URL is malformed. Check what you pasted.");
    }
    return fromUrl(url, text, ref, hosts);
  }
  if (looksLikeGitUrl(text)) return withRef({ provider: "git", url: parseFetchUrl(text).url }, ref, undefined);
  // A bare org/repo is a GitHub repository, as on mybinder.org's form.
  const bare = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/?$/.exec(text);
  if (bare?.[1] && bare[2]) {
    return withRef({ provider: "github", owner: checkName(bare[1], "A GitHub owner"), repo: checkName(trimGit(bare[2]), "A GitHub repository") }, ref, undefined);
  }
  throw new RepoInputError(
    "Kiln does not recognise this. Paste a repository URL (https://github.com/org/repo, any git URL), a DOI (10.5281/zenodo.123) or a Binder spec (gh/org/repo/main).",
  );
}

function fromUrl(url: URL, text: string, ref: string, hosts: ProviderHosts): ParsedRepo {
  const isWeb = url.protocol === "https:" || url.protocol === "http:";
  const under = (base: string) => (isWeb ? below(url, base) : null);
  let parts: string[] | null;

  if ((parts = under(hosts.github))) {
    const [owner, repo, kind, ...rest] = parts;
    if (!owner || !repo) throw new RepoInputError("A GitHub URL needs an owner and a repository, like https://github.com/org/repo.");
    const urlRef = (kind === "tree" || kind === "commit") && rest.length ? rest.join("/") : undefined;
    return withRef({ provider: "github", owner: checkName(owner, "A GitHub owner"), repo: checkName(trimGit(repo), "A GitHub repository") }, ref, urlRef);
  }
  if ((parts = under(hosts.gist))) {
    const id = parts.length >= 2 ? parts[1] : parts[0];
    if (!id) throw new RepoInputError("A Gist URL looks like https://gist.github.com/user/0123abcd.");
    return withRef(gist(parts.length >= 2 ? parts[0]! : "", trimGit(id)), ref, parts[2]);
  }
  if ((parts = under(hosts.gitlab))) {
    const dash = parts.indexOf("-");
    const projectParts = dash === -1 ? parts : parts.slice(0, dash);
    if (projectParts.length < 2) throw new RepoInputError("A GitLab URL needs a group and a project, like https://gitlab.com/group/project.");
    const after = dash === -1 ? [] : parts.slice(dash + 1);
    const urlRef = (after[0] === "tree" || after[0] === "commit") && after.length > 1 ? after.slice(1).join("/") : undefined;
    const project = [...projectParts.slice(0, -1), trimGit(projectParts.at(-1)!)].join("/");
    return withRef(gitlab(project), ref, urlRef);
  }
  if ((parts = under(hosts.zenodo))) {
    const doiAt = parts.indexOf("doi");
    if (doiAt !== -1) return withRef(fromDoi(parts.slice(doiAt + 1).join("/")), ref, undefined);
    const recordAt = parts.findIndex((p) => p === "record" || p === "records");
    const id = recordAt === -1 ? undefined : parts[recordAt + 1];
    if (!id || !/^\d+$/.test(id)) throw new RepoInputError("A Zenodo URL looks like https://zenodo.org/records/1234567.");
    return withRef({ provider: "zenodo", recordId: id }, ref, undefined);
  }
  if ((parts = under(hosts.figshare))) {
    const numbers = parts.filter((p) => /^\d+$/.test(p));
    if (parts[0] !== "articles" || numbers.length === 0) {
      throw new RepoInputError("A Figshare URL looks like https://figshare.com/articles/dataset/title/9782777.");
    }
    // .../<article id> or .../<article id>/<version>
    const [articleId, version] = numbers.length >= 2 ? [numbers.at(-2)!, numbers.at(-1)!] : [numbers[0]!, undefined];
    return withRef({ provider: "figshare", articleId, version }, ref, version);
  }
  if ((parts = under(hosts.hydroshare))) {
    const id = parts[0] === "resource" ? parts[1] : undefined;
    if (!id || !HEX32.test(id)) throw new RepoInputError("A HydroShare URL looks like https://www.hydroshare.org/resource/<32 hex digits>/.");
    return withRef({ provider: "hydroshare", resourceId: id.toLowerCase() }, ref, undefined);
  }
  const dataverse = hosts.dataverse.find((base) => under(base));
  if (dataverse) {
    const persistentId = url.searchParams.get("persistentId");
    const doi = persistentId ? DOI.exec(persistentId.replace(/^doi:/i, "")) : null;
    if (!doi?.[1]) throw new RepoInputError("A Dataverse URL needs ?persistentId=doi:..., as on a dataset's page.");
    return withRef({ provider: "dataverse", doi: doi[1], host: new URL(dataverse).host }, ref, undefined);
  }
  // Anything else is taken as a plain git repository, exactly as typed (WHATWG's rewrite is not what git would read).
  return withRef({ provider: "git", url: parseFetchUrl(text).url }, ref, undefined);
}

function fromDoi(doi: string): RepoTarget {
  const zenodo = /^10\.5281\/zenodo\.(\d+)$/i.exec(doi);
  if (zenodo?.[1]) return { provider: "zenodo", recordId: zenodo[1] };
  const figshare = /^10\.6084\/m9\.figshare\.(\d+)(?:\.v(\d+))?$/i.exec(doi);
  if (figshare?.[1]) return { provider: "figshare", articleId: figshare[1], version: figshare[2] };
  const hydroshare = /^10\.4211\/hs\.([0-9a-f]{32})$/i.exec(doi);
  if (hydroshare?.[1]) return { provider: "hydroshare", resourceId: hydroshare[1].toLowerCase() };
  // Other DOIs are looked up when resolving; only Dataverse installations are accepted then.
  return { provider: "dataverse", doi };
}

/**
 * A Binder spec (`<prefix>/<spec>`, as after /v2/ or /build/, still URL-encoded) split by
 * BinderHub's rules (repoproviders.py): gh is org/repo/ref with the ref keeping its slashes; gl
 * and git take one encoded segment (the project, the URL) and the rest is the ref; a gist's ref
 * is optional (empty, HEAD, master and main mean its latest revision); zenodo, figshare and
 * dataverse take a DOI; hydroshare takes anything holding a resource id. Trailing slashes go.
 * A link must name its ref (`strict`); in the Launch form the ref field can supply it.
 */
function fromSpec(spec: string, typedRef: string, strict: boolean): ParsedRepo {
  const match = SPEC.exec(spec);
  const prefix = match?.[1];
  const rest = (match?.[2] ?? "").replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  const head = slash === -1 ? rest : rest.slice(0, slash);
  const tail = slash === -1 ? "" : rest.slice(slash + 1);
  const needRef = (ref: string | undefined, example: string) => {
    if (strict && !ref && !typedRef.trim()) throw new RepoInputError(`This link does not say which branch, tag or commit to use. Did you mean ${example}?`, "ref");
    return ref;
  };
  switch (prefix) {
    case "gh": {
      const [owner, repo, ...refParts] = rest.split("/");
      if (!owner || !repo) throw new RepoInputError("A GitHub spec looks like gh/org/repo/ref.");
      const ref = needRef(decodeRef(refParts), `gh/${owner}/${repo}/HEAD`);
      return withRef({ provider: "github", owner: checkName(owner, "A GitHub owner"), repo: checkName(trimGit(repo), "A GitHub repository") }, typedRef, ref);
    }
    case "gl": {
      const path = decodeComponent(head);
      if (!path.includes("/")) throw new RepoInputError("A GitLab spec looks like gl/group%2Fproject/ref (the project path URL-encoded).");
      const ref = needRef(tail ? decodeComponent(tail, "The ref") : undefined, `gl/${head}/HEAD`);
      return withRef(gitlab(path), typedRef, ref);
    }
    case "gist": {
      // As BinderHub: user/id[/ref]; anything after the ref is ignored.
      const [owner = "", id, ref] = rest.split("/");
      if (!id) throw new RepoInputError("A Gist spec looks like gist/user/id or gist/user/id/revision.");
      return withRef(gist(owner, id), typedRef, ref ? decodeComponent(ref, "The ref") : undefined);
    }
    case "git": {
      let url = decodeComponent(head);
      // BinderHub's rewrite of scp-like addresses (git@host:path) to ssh:// URLs.
      const scp = /^([\w-]+@[\w.-]+):(.+)$/i.exec(url);
      if (scp && !url.includes("://")) url = `ssh://${scp[1]}/${scp[2]}`;
      if (!looksLikeGitUrl(url)) throw new RepoInputError("A git spec looks like git/<URL-encoded repository URL>/ref.");
      const ref = needRef(tail ? decodeComponent(tail, "The ref") : undefined, `git/${head}/HEAD`);
      return withRef({ provider: "git", url: parseFetchUrl(url).url }, typedRef, ref);
    }
    case "hydroshare": {
      // The last run of 32 hex digits anywhere: a bare id, a resource URL (encoded or not) or a DOI.
      const id = /^.*([0-9a-f]{32})/.exec(rest)?.[1];
      if (!id) throw new RepoInputError("A HydroShare spec names a resource: hydroshare/<32 hex digits>, its URL, or its DOI 10.4211/hs.<id>.");
      return withRef({ provider: "hydroshare", resourceId: id }, typedRef, undefined);
    }
    default: {
      // zenodo/<doi>, figshare/<doi>, dataverse/<doi>
      const doi = DOI.exec(decodeComponent(rest));
      if (!doi?.[1]) throw new RepoInputError(`A ${prefix} spec looks like ${prefix}/10.1234/abcd (a DOI).`);
      return withRef(fromDoi(doi[1]), typedRef, undefined);
    }
  }
}

/** A launch link's spec (`gh/org/repo/ref`, still URL-encoded), refused as BinderHub refuses it. */
export function parseLinkSpec(spec: string): ParsedRepo {
  if (!SPEC.test(spec)) {
    throw new RepoInputError("Launch links look like /v2/<gh|gl|gist|git|zenodo|figshare|hydroshare|dataverse>/<spec>. Check the link.");
  }
  return fromSpec(spec, "", true);
}

function decodeRef(parts: string[]): string | undefined {
  const joined = parts.join("/");
  return joined ? decodeComponent(joined, "The ref") : undefined;
}

function gitlab(project: string): RepoTarget {
  for (const part of project.split("/")) checkName(part, "A GitLab group or project");
  return { provider: "gitlab", project };
}

function gist(owner: string, id: string): RepoTarget {
  if (owner) checkName(owner, "A gist owner");
  if (!GIST_ID.test(id)) throw new RepoInputError(`A gist id has only letters and digits, not “${id}”.`);
  return { provider: "gist", owner, id };
}

/** The ref typed in its own field wins over one inside the URL; git hosts default to HEAD. */
function withRef(target: RepoTarget, typedRef: string, urlRef: string | undefined): ParsedRepo {
  const ref = typedRef.trim() || urlRef || (isRecord(target) ? "" : "HEAD");
  // git check-ref-format's rules, which also keep a ref from ever reading as an option.
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref) || ref.includes("..") || ref.includes("@{") || ref.startsWith("-") || ref.startsWith("/") || /[/.]$/.test(ref)) {
    throw new RepoInputError(
      "A ref is a branch, tag or commit name without spaces or any of ~ ^ : ? * [ \\; it cannot start with - or contain ..",
      "ref",
    );
  }
  return { target, ref, displayName: displayName(target) };
}

function isRecord(target: RepoTarget): boolean {
  return ["zenodo", "figshare", "hydroshare", "dataverse"].includes(target.provider);
}

function displayName(target: RepoTarget): string {
  switch (target.provider) {
    case "github": return `${target.owner}/${target.repo}`;
    case "gitlab": return target.project;
    case "gist": return target.owner ? `${target.owner}/${target.id}` : target.id;
    case "git": return target.url.replace(/^[a-z]+:\/\/(?:[^@/]+@)?/, "").replace(/\.git$/, "");
    case "zenodo": return `Zenodo record ${target.recordId}`;
    case "figshare": return `Figshare article ${target.articleId}`;
    case "hydroshare": return `HydroShare resource ${target.resourceId}`;
    case "dataverse": return `doi:${target.doi}`;
  }
}

/** A ref in a spec: each part encoded, its slashes kept (BinderHub reads the rest of the path as the ref). */
const specRef = (ref: string) => (ref || "HEAD").split("/").map(encodeURIComponent).join("/");

/** The Binder spec (what follows /v2/ in a launch link) for a repository at a ref. */
export function binderSpec(target: RepoTarget, ref: string): string {
  const prefix = binderPrefixes[target.provider];
  switch (target.provider) {
    case "github": return `${prefix}/${target.owner}/${target.repo}/${specRef(ref)}`;
    case "gitlab": return `${prefix}/${encodeURIComponent(target.project)}/${specRef(ref)}`;
    case "gist": return `${prefix}/${target.owner}/${target.id}/${specRef(ref)}`;
    case "git": return `${prefix}/${encodeURIComponent(target.url)}/${specRef(ref)}`;
    case "zenodo": return `${prefix}/10.5281/zenodo.${target.recordId}`;
    case "figshare": return `${prefix}/10.6084/m9.figshare.${target.articleId}${target.version ? `.v${target.version}` : ""}`;
    case "hydroshare": return `${prefix}/${target.resourceId}`;
    case "dataverse": return `${prefix}/${target.doi}`;
  }
}

/**
 * The part of an image name that names the repository: BinderHub's get_build_slug, provider by
 * provider, so images are named exactly as a BinderHub names them. Record providers put the
 * resolved version in it (all but Dataverse, whose version is only the tag).
 */
export function buildSlug(target: RepoTarget, resolvedRef: string): string {
  switch (target.provider) {
    case "github": return `${target.owner}-${target.repo}`;
    case "gitlab": return target.project.split("/").map((part) => part.replace(/-/g, "_-")).join("-");
    case "gist": return target.id;
    case "git": return target.url;
    case "zenodo": return `zenodo-${resolvedRef}`;
    case "figshare": return `figshare-${resolvedRef}`;
    case "hydroshare": return `hydroshare-${resolvedRef}`;
    case "dataverse": return `dataverse-${escapism(target.doi.slice(target.doi.indexOf("/") + 1)).toLowerCase()}`;
  }
}
