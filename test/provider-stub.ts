import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// Stands in, on 127.0.0.1, for the provider APIs these machines cannot reach. Each route answers
// with the response shape the provider documents; Kiln reaches it only through the same base-URL
// settings a GitHub Enterprise or self-hosted GitLab user would set.

export const fixtures = {
  github: { owner: "lab", repo: "analysis", refs: { main: "a".repeat(40), "v1.0": "b".repeat(40) } as Record<string, string> },
  gist: { owner: "alice", id: "0123abcd", versions: ["c".repeat(40), "d".repeat(40)] },
  gitlab: { project: "group/sub/project", refs: { main: "e".repeat(40) } as Record<string, string> },
  zenodo: { recordId: "3242074", conceptId: "3242073", latestOfConcept: "3242080" },
  figshare: { articleId: 9782777, latestVersion: 3 },
  hydroshare: { resourceId: "b8f6eae9d89241cf8b5904033460af61", modified: "2024-02-01T10:00:00.000000Z" },
  dataverse: { doi: "10.7910/DVN/TJCLKP", id: 3035124, version: [2, 1] as const },
};

type Handler = (req: IncomingMessage, url: URL, base: string) => { status: number; body?: unknown; headers?: Record<string, string> };

const routes: [RegExp, Handler][] = [
  // What repo2docker reads from R2D_DATAVERSE_INSTALLATIONS_URL.
  [/^\/dataverse-installations\.json$/, () => ({ status: 200, body: { installations: [{ name: "stub", hostname: "dataverse.invalid" }] } })],
  // GitHub (Enterprise layout: /api/v3): GET /repos/{owner}/{repo}/commits/{ref}
  [/^\/github\/api\/v3\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)$/, (_req, url) => {
    const [, owner, repo, ref] = /^\/github\/api\/v3\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)$/.exec(url.pathname)!;
    const f = fixtures.github;
    if (owner !== f.owner || repo !== f.repo) return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
    const key = decodeURIComponent(ref!);
    const sha = key === "HEAD" ? f.refs.main : f.refs[key] ?? (/^[0-9a-f]{40}$/.test(key) ? key : undefined);
    if (!sha) return { status: 422, body: { message: `No commit found for SHA: ${key}`, documentation_url: "https://docs.github.com/rest" } };
    return { status: 200, body: { sha, commit: { message: "fixture" }, html_url: `https://example/${sha}` } };
  }],
  // GitHub: GET /gists/{id}
  [/^\/github\/api\/v3\/gists\/([^/]+)$/, (_req, url) => {
    const id = url.pathname.split("/").at(-1);
    const f = fixtures.gist;
    if (id !== f.id) return { status: 404, body: { message: "Not Found" } };
    return { status: 200, body: { id, owner: { login: f.owner }, history: f.versions.map((version) => ({ version, committed_at: "2024-01-01T00:00:00Z" })) } };
  }],
  // GitLab v4: GET /projects/{url-encoded path}/repository/commits/{ref} and /projects/{path}
  [/^\/gitlab\/api\/v4\/projects\/([^/]+)(\/repository\/commits\/(.+))?$/, (_req, url) => {
    const [, project, , ref] = /^\/gitlab\/api\/v4\/projects\/([^/]+)(\/repository\/commits\/(.+))?$/.exec(url.pathname)!;
    const f = fixtures.gitlab;
    if (decodeURIComponent(project!) !== f.project) return { status: 404, body: { message: "404 Project Not Found" } };
    if (!ref) return { status: 200, body: { id: 42, path_with_namespace: f.project } };
    const key = decodeURIComponent(ref);
    const sha = key === "HEAD" ? f.refs.main : f.refs[key];
    if (!sha) return { status: 404, body: { message: "404 Commit Not Found" } };
    return { status: 200, body: { id: sha, short_id: sha.slice(0, 8), title: "fixture" } };
  }],
  // Zenodo: GET /api/records/{id}; a concept id redirects to its latest version.
  [/^\/zenodo\/api\/records\/(\d+)$/, (_req, url, base) => {
    const id = url.pathname.split("/").at(-1);
    const f = fixtures.zenodo;
    if (id === f.conceptId) return { status: 302, headers: { location: `${base}/zenodo/api/records/${f.latestOfConcept}` } };
    if (id !== f.recordId && id !== f.latestOfConcept) return { status: 404, body: { status: 404, message: "PID does not exist." } };
    return { status: 200, body: { id: Number(id), doi: `10.5281/zenodo.${id}`, conceptrecid: f.conceptId, metadata: { title: "fixture" } } };
  }],
  // Figshare v2: GET /articles/{id} and /articles/{id}/versions/{v}
  [/^\/figshare-api\/v2\/articles\/(\d+)(\/versions\/(\d+))?$/, (_req, url) => {
    const [, id, , version] = /^\/figshare-api\/v2\/articles\/(\d+)(\/versions\/(\d+))?$/.exec(url.pathname)!;
    const f = fixtures.figshare;
    if (Number(id) !== f.articleId) return { status: 404, body: { message: "Entity not found: article", code: "EntityNotFound" } };
    const v = version ? Number(version) : f.latestVersion;
    if (v < 1 || v > f.latestVersion) return { status: 404, body: { message: "Entity not found: article version", code: "EntityNotFound" } };
    return { status: 200, body: { id: f.articleId, version: v, title: "fixture", files: [] } };
  }],
  // HydroShare: GET /hsapi/resource/{id}/scimeta/elements
  [/^\/hydroshare\/hsapi\/resource\/([0-9a-f]+)\/scimeta\/elements$/, (_req, url) => {
    const id = url.pathname.split("/")[4];
    const f = fixtures.hydroshare;
    if (id !== f.resourceId) return { status: 404, body: { detail: "No resource was found for resource id" } };
    return { status: 200, body: { title: "fixture", dates: [{ type: "created", start_date: "2023-01-01T00:00:00Z" }, { type: "modified", start_date: f.modified }] } };
  }],
  // Dataverse native API: GET /api/datasets/:persistentId?persistentId=doi:...
  [/^\/dataverse\/api\/datasets\/:persistentId$/, (_req, url) => {
    const f = fixtures.dataverse;
    if (url.searchParams.get("persistentId") !== `doi:${f.doi}`) return { status: 404, body: { status: "ERROR", message: "Dataset with Persistent ID not found" } };
    return { status: 200, body: { status: "OK", data: { id: f.id, latestVersion: { versionNumber: f.version[0], versionMinorNumber: f.version[1], versionState: "RELEASED" } } } };
  }],
  // A DOI resolver: the Dataverse DOI lands on the stub's Dataverse, one other DOI elsewhere.
  [/^\/doi\/(.+)$/, (_req, url, base) => {
    const doi = decodeURIComponent(url.pathname.slice("/doi/".length));
    if (doi === fixtures.dataverse.doi) return { status: 302, headers: { location: `${base}/dataverse/dataset.xhtml?persistentId=doi:${doi}` } };
    if (doi === "10.1000/elsewhere") return { status: 302, headers: { location: "https://publisher.example.org/article/1" } };
    return { status: 404, body: { responseCode: 100 } };
  }],
];

export interface ProviderStub {
  base: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startProviderStub(): Promise<ProviderStub> {
  const requests: string[] = [];
  let base = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const route = routes.find(([pattern]) => pattern.test(url.pathname));
    const answer = route ? route[1](req, url, base) : { status: 404, body: { message: "no such route in the stub" } };
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
