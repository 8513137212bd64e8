import { serverPathParts } from "@/lib/launches/naming";
import { binderSpec } from "@/lib/repos/parse";
import type { ProviderHosts, RepoTarget } from "@/lib/repos/types";

// Binder-compatible launch links, shared by server and browser: what a link's query asks to
// open, where that is in a Kiln server, and the links and badge snippets Kiln hands out.
//
// On mybinder.org the repository is the server's working directory, so `labpath`, `filepath`
// and file-like `urlpath`s are relative to it. In Kiln the server's root is the persistent home
// and the repository is copied into ~/<folder>, so those paths are moved into that folder:
//
//   (nothing)                   → lab/tree/<folder>
//   labpath=a/b.ipynb           → lab/tree/<folder>/a/b.ipynb
//   filepath=a/b.ipynb          → tree/<folder>/a/b.ipynb       (Notebook's view, as BinderHub)
//   urlpath=lab | tree          → lab/tree/<folder> | tree/<folder>
//   urlpath=lab/tree/x, doc/tree/x, tree/x, notebooks/x, edit/x, view/x, files/x,
//           voila/render/x, voila/tree/x                      → the same, with <folder>/ before x
//   urlpath=rstudio, proxy/8050/, git-pull?…, anything else     → unchanged
//
// BinderHub's precedence is kept: labpath, then filepath, then urlpath.

/** The path parameters of a launch link. */
export interface LinkPathParams {
  urlpath?: string | null;
  labpath?: string | null;
  filepath?: string | null;
}

/**
 * What Kiln stores and sends as "the path to open": a file in the repository (relative, as
 * labpath), or a server URL path starting with "/" (as urlpath). Empty: the repository's folder.
 */
export function openPathFromParams(params: LinkPathParams): string {
  const file = (value: string) => value.replace(/^\/+|\/+$/g, "");
  if (params.labpath != null) return file(params.labpath);
  if (params.filepath != null) return `/tree/${file(params.filepath).split("/").map(encodeURIComponent).join("/")}`.replace(/\/$/, "");
  if (params.urlpath) return `/${params.urlpath.replace(/^\/+/, "")}`;
  return "";
}

/** The link query that asks for `openPath` (the inverse of openPathFromParams). */
export function paramsFromOpenPath(openPath: string): Record<string, string> {
  const path = openPath.trim();
  if (!path) return {};
  return path.startsWith("/") ? { urlpath: path.replace(/^\/+/, "") } : { labpath: path };
}

/** URL paths that name a file or folder after their prefix: the repository's folder goes before it. */
const FILE_ROUTES = ["lab/tree", "doc/tree", "tree", "notebooks", "edit", "view", "files", "voila/render", "voila/tree"];
/** URL paths that open an interface at its root: on mybinder.org that root is the repository. */
const ROOT_ROUTES: Record<string, string> = { lab: "lab/tree", tree: "tree", "voila/tree": "voila/tree" };

/**
 * The server path (segments URL-encoded, no leading slash, query and fragment kept) that
 * `openPath` opens when the repository is in ~/<folder>; null when it would leave the server.
 */
export function serverPathFor(openPath: string, folder: string): string | null {
  const folderPart = encodeURIComponent(folder);
  const path = openPath.trim();
  if (!path) return `lab/tree/${folderPart}`;
  if (!path.startsWith("/")) {
    // A file in the repository: decoded text, so every segment is encoded here.
    const segments = path.split("/").filter(Boolean);
    if (segments.some((s) => s === "." || s === ".." || /[\\\p{Cc}]/u.test(s))) return null;
    return `lab/tree/${[folderPart, ...segments.map(encodeURIComponent)].join("/")}`;
  }
  const parts = serverPathParts(path.replace(/^\/+/, ""));
  if (!parts) return null;
  const joined = parts.segments.join("/");
  const root = ROOT_ROUTES[joined];
  if (root) return `${root}/${folderPart}${parts.rest}`;
  const route = FILE_ROUTES.find((prefix) => joined === prefix || joined.startsWith(`${prefix}/`));
  if (route) {
    const after = joined.slice(route.length + 1);
    return `${route}/${folderPart}${after ? `/${after}` : ""}${parts.rest}`;
  }
  // Other applications (rstudio, proxy/<port>/) may need their trailing slash.
  const trailing = /\/$/.test(path.split(/[?#]/)[0]!) && joined ? "/" : "";
  return `${joined}${trailing}${parts.rest}`;
}

/** A launch link: Kiln's public base URL, /v2/, the spec, and the path to open. */
export function launchLink(base: string, spec: string, openPath = ""): string {
  const query = new URLSearchParams(paramsFromOpenPath(openPath)).toString();
  return `${base.replace(/\/+$/, "")}/v2/${spec}${query ? `?${query}` : ""}`;
}

export interface BadgeSnippets {
  markdown: string;
  rst: string;
  html: string;
}

/** Copy-ready badges for a README, as mybinder.org's form offers them. */
export function badgeSnippets(base: string, link: string, label: string): BadgeSnippets {
  const image = `${base.replace(/\/+$/, "")}/badge_logo.svg`;
  const alt = `Launch in ${label}`;
  const attr = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return {
    markdown: `[![${alt}](${image})](${link})`,
    rst: `.. image:: ${image}\n   :alt: ${alt}\n   :target: ${link}`,
    html: `<a href="${attr(link)}"><img src="${attr(image)}" alt="${attr(alt)}"></a>`,
  };
}

/**
 * The launch link inside what someone pasted: the link itself, or a Markdown, reStructuredText
 * or HTML badge snippet around it. Null when there is no /v2/ link in it.
 */
export function linkInSnippet(text: string): string | null {
  const candidates = text.match(/https?:\/\/[^\s"'<>()\]]+|\/[^\s"'<>()\]]*\/v2\/[^\s"'<>()\]]+/g) ?? [];
  const link = candidates.find((candidate) => /\/v2\/(gh|gl|gist|git|zenodo|figshare|hydroshare|dataverse)\//.test(candidate));
  return link ? link.replace(/&amp;/g, "&") : null;
}

/** A launch link split into its spec (still URL-encoded) and the path it asks to open. */
export function splitLaunchLink(link: string): { spec: string; openPath: string } | null {
  const match = /\/v2\/((?:gh|gl|gist|git|zenodo|figshare|hydroshare|dataverse)\/[^?#]+)(\?[^#]*)?/.exec(link);
  if (!match?.[1]) return null;
  const query = new URLSearchParams(match[2] ?? "");
  const params: LinkPathParams = { urlpath: query.get("urlpath"), labpath: query.get("labpath"), filepath: query.get("filepath") };
  return { spec: match[1], openPath: openPathFromParams(params) };
}

/** The spec of exactly the version that was built (BinderHub's binder_persistent_request). */
export function persistentSpec(target: RepoTarget, resolvedRef: string): string {
  switch (target.provider) {
    case "zenodo": return binderSpec({ ...target, recordId: resolvedRef }, "");
    case "figshare": {
      const [articleId = target.articleId, version] = resolvedRef.split(".v");
      return binderSpec({ provider: "figshare", articleId, ...(version ? { version } : {}) }, "");
    }
    case "hydroshare":
    case "dataverse":
      return binderSpec(target, "");
    default:
      return binderSpec(target, resolvedRef);
  }
}

/** What to put in the Launch form's repository field for a target: its URL, or its DOI. */
export function repositoryInput(target: RepoTarget, hosts: ProviderHosts): string {
  switch (target.provider) {
    case "github": return `${hosts.github}/${target.owner}/${target.repo}`;
    case "gitlab": return `${hosts.gitlab}/${target.project}`;
    case "gist": return `${hosts.gist}/${target.owner ? `${target.owner}/` : ""}${target.id}`;
    case "git": return target.url;
    case "zenodo": return `10.5281/zenodo.${target.recordId}`;
    case "figshare": return `10.6084/m9.figshare.${target.articleId}${target.version ? `.v${target.version}` : ""}`;
    case "hydroshare": return `${hosts.hydroshare}/resource/${target.resourceId}`;
    case "dataverse": return target.doi;
  }
}

/** The raw (still URL-encoded) spec of a launch link, which proxy.ts hands its page. */
export const LINK_SPEC_HEADER = "x-kiln-link-spec";

/**
 * A link's spec from a catch-all route's path segments. Next hands pages their segments still
 * encoded and route handlers theirs decoded; decoding then encoding each gives the spec as it
 * was sent either way (a gl or git spec's %2F stays inside its segment).
 */
export function specFromSegments(segments: readonly string[]): string {
  return segments
    .map((segment) => {
      try {
        return encodeURIComponent(decodeURIComponent(segment));
      } catch {
        return encodeURIComponent(segment);
      }
    })
    .join("/");
}
