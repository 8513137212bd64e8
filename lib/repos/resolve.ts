import "server-only";
import { log } from "@/lib/log";
import { execFile } from "node:child_process";
import pLimit from "p-limit";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { encodePin, gitConfigEnv, type FetchPlan } from "./fetch-plan";
import { isFullSha } from "./parse";
import { planFetch, type Lookup, type SafetyRules } from "./safety";
import type { ParsedRepo, ProviderHosts, RepoTarget } from "./types";

// Resolves a requested ref to an immutable version the way BinderHub does: a commit SHA for git
// hosts (their APIs, or `git ls-remote`), a record version for DOI repositories.

const run = promisify(execFile);

export interface ProviderConfig extends ProviderHosts {
  githubApi: string;
  githubToken?: string;
  gitlabToken?: string;
  figshareApi: string;
  doiResolver: string;
}

export interface ResolvedRepo {
  /** What repo2docker fetches. */
  repoUrl: string;
  /** The immutable version: commit SHA, record id, article version. */
  resolvedRef: string;
  /** The addresses repoUrl's host was checked at, `host:port:addr[,addr]`; the builder is pinned to them. */
  fetchPins: string[];
}

/** Which addresses Kiln may fetch from, and (in tests) how host names are resolved. */
export interface FetchSafety {
  rules: SafetyRules;
  lookup?: Lookup;
}

/** A repository, ref or record that does not exist, or a provider that could not be asked. */
export class ResolveError extends Error {
  constructor(message: string, readonly field: "repository" | "ref" = "repository", readonly unavailable = false) {
    super(message);
  }
  override name = "ResolveError";
}

const TIMEOUT_MS = 15_000;

/** Node's error codes for a host this machine cannot reach at all, as opposed to one that is slow or failing. */
const NO_ROUTE = new Set(["ENOTFOUND", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH"]);

/**
 * Why `what` could not be asked, in a researcher's words: a Hub with no route to the host is not
 * a passing problem, so it says so and who can change it; a timeout may pass.
 */
export function unreachableMessage(what: string, error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `${what} did not answer within ${TIMEOUT_MS / 1000} seconds. It may be busy: try again in a few minutes.`;
  }
  if (code && NO_ROUTE.has(code)) {
    return `${what} could not be reached from this Hub: the Hub has no route to it. Many Hubs reach only some hosts; your Hub admin can tell you which, or change it.`;
  }
  return `${what} could not be reached from this Hub. If it keeps happening, tell your Hub admin.`;
}

async function getJson(url: string, what: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ResolveError(unreachableMessage(what, error), "repository", true);
  }
  if (response.status >= 500 || response.status === 429) {
    throw new ResolveError(`${what} answered ${response.status}. Try again in a few minutes.`, "repository", true);
  }
  return { status: response.status, body: await response.json().catch(() => null) };
}

/**
 * Resolves the ref and checks (and pins) the address repo2docker will fetch from. Throws
 * ResolveError, UnsafeUrlError, or RepoInputError for a URL the one parser refuses.
 */
export async function resolveRepo(parsed: ParsedRepo, config: ProviderConfig, safety: FetchSafety): Promise<ResolvedRepo> {
  const { target, ref } = parsed;
  // Plain git is asked directly (ls-remote), so its address is checked before any connection.
  if (target.provider === "git") return resolveGit(target.url, ref, safety);
  const resolved = await resolveProvider(target, ref, config);
  const kind = target.provider === "github" || target.provider === "gitlab" || target.provider === "gist" ? "git" : "web";
  const plan = await planFetch(resolved.repoUrl, kind, safety.rules, safety.lookup);
  return { repoUrl: plan.url, resolvedRef: resolved.resolvedRef, fetchPins: plan.pins.map(encodePin) };
}

type ProviderResult = Omit<ResolvedRepo, "fetchPins">;

function resolveProvider(target: Exclude<RepoTarget, { provider: "git" }>, ref: string, config: ProviderConfig): Promise<ProviderResult> {
  switch (target.provider) {
    case "github": return resolveGitHub(target, ref, config);
    case "gitlab": return resolveGitLab(target, ref, config);
    case "gist": return resolveGist(target, ref, config);
    case "zenodo": return resolveZenodo(target, config);
    case "figshare": return resolveFigshare(target, ref, config);
    case "hydroshare": return resolveHydroShare(target, config);
    case "dataverse": return resolveDataverse(target, config);
  }
}

const commitSchema = z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) });

async function resolveGitHub(target: Extract<RepoTarget, { provider: "github" }>, ref: string, config: ProviderConfig): Promise<ProviderResult> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" };
  if (config.githubToken) headers.authorization = `Bearer ${config.githubToken}`;
  const name = `${target.owner}/${target.repo}`;
  const { status, body } = await getJson(
    `${config.githubApi}/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/commits/${encodeURIComponent(ref)}`,
    "GitHub",
    headers,
  );
  if (status === 404) throw new ResolveError(`GitHub has no public repository ${name}. Check the spelling, or that it is public.`);
  if (status === 422) throw new ResolveError(`${name} has no branch, tag or commit named “${ref}”.`, "ref");
  if (status === 403) throw new ResolveError("GitHub refused the request, most likely because this Hub used up its hourly allowance of GitHub's API. Try again within the hour, or ask your Hub admin to give Kiln a GitHub token.", "repository", true);
  const commit = commitSchema.safeParse(body);
  if (status !== 200 || !commit.success) throw new ResolveError(`GitHub answered ${status} for ${name} at ${ref}.`);
  return { repoUrl: `${config.github}/${target.owner}/${target.repo}`, resolvedRef: commit.data.sha };
}

async function resolveGitLab(target: Extract<RepoTarget, { provider: "gitlab" }>, ref: string, config: ProviderConfig): Promise<ProviderResult> {
  const headers: Record<string, string> = config.gitlabToken ? { "private-token": config.gitlabToken } : {};
  const { status, body } = await getJson(
    `${config.gitlab}/api/v4/projects/${encodeURIComponent(target.project)}/repository/commits/${encodeURIComponent(ref)}`,
    "GitLab",
    headers,
  );
  const commit = z.object({ id: z.string().regex(/^[0-9a-f]{40}$/) }).safeParse(body);
  if (status === 404) {
    // GitLab says 404 for both; ask about the project to tell which one is missing.
    const project = await getJson(`${config.gitlab}/api/v4/projects/${encodeURIComponent(target.project)}`, "GitLab", headers);
    if (project.status === 404) throw new ResolveError(`GitLab has no public project ${target.project}.`);
    throw new ResolveError(`${target.project} has no branch, tag or commit named “${ref}”.`, "ref");
  }
  if (status !== 200 || !commit.success) throw new ResolveError(`GitLab answered ${status} for ${target.project} at ${ref}.`);
  return { repoUrl: `${config.gitlab}/${target.project}.git`, resolvedRef: commit.data.id };
}

const gistSchema = z.object({
  owner: z.object({ login: z.string() }).nullish(),
  history: z.array(z.object({ version: z.string() })).min(1),
});

async function resolveGist(target: Extract<RepoTarget, { provider: "gist" }>, ref: string, config: ProviderConfig): Promise<ProviderResult> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" };
  if (config.githubToken) headers.authorization = `Bearer ${config.githubToken}`;
  const { status, body } = await getJson(`${config.githubApi}/gists/${encodeURIComponent(target.id)}`, "GitHub's Gist API", headers);
  const gist = gistSchema.safeParse(body);
  if (status === 404 || !gist.success) throw new ResolveError(`There is no public gist ${target.id}.`);
  // BinderHub does not check the user part; Kiln does, or a link could show a gist under
  // someone else's name.
  if (target.owner && gist.data.owner && gist.data.owner.login !== target.owner) {
    throw new ResolveError(`Gist ${target.id} belongs to ${gist.data.owner.login}, not ${target.owner}.`);
  }
  // As BinderHub: an empty ref, HEAD, master or main mean the latest revision.
  const versions = gist.data.history.map((h) => h.version);
  const resolvedRef = ["", "HEAD", "master", "main"].includes(ref) ? versions[0]! : versions.find((v) => v === ref);
  if (!resolvedRef) throw new ResolveError(`Gist ${target.id} has no revision “${ref}”. Use HEAD or a full revision id.`, "ref");
  return { repoUrl: `${config.gist}/${target.id}.git`, resolvedRef };
}

const GIT_UNREADABLE =
  "Kiln could not read a git repository at this URL. Check the URL, and that the repository is public and its server answers.";

/**
 * `git ls-remote`: HEAD, a branch, a tag (peeled to its commit), or a full SHA, which must name a
 * commit in the repository. Git runs pinned to the addresses that were checked.
 */
export async function resolveGit(url: string, ref: string, safety: FetchSafety): Promise<ResolvedRepo> {
  const plan = await planFetch(url, "git", safety.rules, safety.lookup);
  const done = (sha: string): ResolvedRepo => ({ repoUrl: plan.url, resolvedRef: sha, fetchPins: plan.pins.map(encodePin) });
  let stdout: string;
  try {
    ({ stdout } = await runGit(plan, ["ls-remote", "--", pinnedUrl(plan)]));
  } catch (error) {
    logGitFailure("ls-remote", plan.url, error);
    throw new ResolveError(GIT_UNREADABLE);
  }
  const refs = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const [sha, name] = line.split("\t");
    if (sha && name) refs.set(name, sha);
  }
  if (isFullSha(ref)) {
    const sha = ref.toLowerCase();
    if (![...refs.values()].includes(sha)) await assertCommit(plan, sha);
    return done(sha);
  }
  const candidates = ref === "HEAD" ? ["HEAD"] : [`refs/tags/${ref}^{}`, `refs/tags/${ref}`, `refs/heads/${ref}`, ref];
  const sha = candidates.map((name) => refs.get(name)).find(Boolean);
  if (!sha) throw new ResolveError(`This repository has no branch or tag named “${ref}”. Use a branch, a tag or a full 40-character commit SHA.`, "ref");
  return done(sha);
}

/** Fetches just the commit (no trees or blobs where the server can filter) into a scratch repository. */
async function assertCommit(plan: FetchPlan, sha: string): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), "kiln-sha-"));
  try {
    await runGit(plan, ["init", "--bare", "-q", scratch]);
    let type = "";
    try {
      // Protocol v2 lets a client ask for any commit, not only branch tips.
      await runGit(plan, ["-C", scratch, "fetch", "-q", "--no-tags", "--depth=1", "--filter=tree:0", "--", pinnedUrl(plan), sha]);
      type = (await runGit(plan, ["-C", scratch, "cat-file", "-t", sha])).stdout.trim();
    } catch (error) {
      logGitFailure("fetch of a commit", plan.url, error);
    }
    if (type !== "commit") {
      throw new ResolveError(
        `This repository has no commit ${sha}. Check the SHA (all 40 characters), or use a branch or tag name.`,
        "ref",
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The URL git connects to. http(s) is pinned through curl's resolve list and ssh through ssh's
 * HostName, both keeping the name for TLS and host keys; git's own protocol has no such hook,
 * so it connects to the checked address itself.
 */
function pinnedUrl(plan: FetchPlan): string {
  const address = plan.pins[0]?.addresses[0];
  if (plan.scheme !== "git" || !address) return plan.url;
  const host = address.includes(":") ? `[${address}]` : address;
  return plan.url.replace(/^git:\/\/[^/]+/, `git://${host}:${plan.port}`);
}

/** At most this many git processes ask remote servers at once, whoever asked (a hostile server can be slow). */
const gitProcesses = pLimit(4);

function runGit(plan: FetchPlan, args: string[]) {
  return gitProcesses(() => runGitNow(plan, args));
}

function runGitNow(plan: FetchPlan, args: string[]) {
  const address = plan.pins[0]?.addresses[0];
  const ssh = ["ssh", "-o BatchMode=yes", "-o ConnectTimeout=10"];
  if (plan.scheme === "ssh" && address) ssh.push(`-o HostName=${address}`, `-o HostKeyAlias=${plan.host}`);
  return run("git", args, {
    timeout: TIMEOUT_MS * 2,
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      NODE_ENV: "production",
      // Never prompt for credentials: a private repository must fail, not hang.
      GIT_TERMINAL_PROMPT: "0",
      GIT_SSH_COMMAND: ssh.join(" "),
      // No system or user configuration: an insteadOf there would change the URL after the check.
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      ...gitConfigEnv(plan.pins),
    },
    // A repository's refs fit easily; a server streaming more is not one Kiln builds from.
    maxBuffer: 8 * 1024 * 1024,
  });
}

/** Git's own words go to the server log for admins; researchers get a summary (it may describe other hosts and ports). */
function logGitFailure(what: string, url: string, error: unknown): void {
  const stderr = String((error as { stderr?: string }).stderr ?? "").trim().split("\n").slice(-3).join(" | ");
  log.warn(`git ${what} failed for ${url}: ${stderr || (error as Error).message}`);
}

async function resolveZenodo(target: Extract<RepoTarget, { provider: "zenodo" }>, config: ProviderConfig): Promise<ProviderResult> {
  const { status, body } = await getJson(`${config.zenodo}/api/records/${target.recordId}`, "Zenodo");
  const record = z.object({ id: z.union([z.number(), z.string()]) }).safeParse(body);
  if (status === 404 || status === 410 || !record.success) throw new ResolveError(`Zenodo has no public record ${target.recordId}.`);
  // A concept record answers with its latest version, whose id is the immutable version.
  const id = String(record.data.id);
  return { repoUrl: `${config.zenodo}/records/${id}`, resolvedRef: id };
}

async function resolveFigshare(target: Extract<RepoTarget, { provider: "figshare" }>, ref: string, config: ProviderConfig): Promise<ProviderResult> {
  const version = target.version ?? (ref && ref !== "HEAD" ? ref.replace(/^v/, "") : undefined);
  const url = version
    ? `${config.figshareApi}/articles/${target.articleId}/versions/${encodeURIComponent(version)}`
    : `${config.figshareApi}/articles/${target.articleId}`;
  const { status, body } = await getJson(url, "Figshare");
  const article = z.object({ id: z.number(), version: z.number() }).safeParse(body);
  if (status === 404 || !article.success) {
    throw new ResolveError(
      version ? `Figshare article ${target.articleId} has no version ${version}.` : `Figshare has no public article ${target.articleId}.`,
      version ? "ref" : "repository",
    );
  }
  const resolved = `${article.data.id}.v${article.data.version}`;
  return { repoUrl: `${config.figshare}/articles/code/kiln/${article.data.id}/${article.data.version}`, resolvedRef: resolved };
}

const hydroshareSchema = z.object({ dates: z.array(z.object({ type: z.string(), start_date: z.string() })) });

async function resolveHydroShare(target: Extract<RepoTarget, { provider: "hydroshare" }>, config: ProviderConfig): Promise<ProviderResult> {
  const { status, body } = await getJson(`${config.hydroshare}/hsapi/resource/${target.resourceId}/scimeta/elements`, "HydroShare");
  const meta = hydroshareSchema.safeParse(body);
  if (status === 404 || !meta.success) throw new ResolveError(`HydroShare has no public resource ${target.resourceId}.`);
  const modified = meta.data.dates.find((d) => d.type === "modified");
  // BinderHub reads the date up to its fraction of a second, as UTC.
  const epoch = modified ? Math.floor(Date.parse(`${modified.start_date.split(".")[0]!.replace(/(Z|[+-]\d\d:?\d\d)$/, "")}Z`) / 1000) : NaN;
  if (!Number.isFinite(epoch)) throw new ResolveError(`HydroShare resource ${target.resourceId} has no modification date to version it by.`);
  // As BinderHub: the version is the last modification time.
  return { repoUrl: `${config.hydroshare}/resource/${target.resourceId}`, resolvedRef: `${target.resourceId}.v${epoch}` };
}

const datasetSchema = z.object({
  data: z.object({
    id: z.number(),
    latestVersion: z.object({ versionNumber: z.number().optional(), versionMinorNumber: z.number().optional() }),
  }),
});

async function resolveDataverse(target: Extract<RepoTarget, { provider: "dataverse" }>, config: ProviderConfig): Promise<ProviderResult> {
  const base = target.host ? config.dataverse.find((url) => new URL(url).host === target.host) : await dataverseOfDoi(target.doi, config);
  if (!base) throw new ResolveError(`Kiln is not configured for the Dataverse at ${target.host}.`);
  const { status, body } = await getJson(
    `${base}/api/datasets/:persistentId?persistentId=${encodeURIComponent(`doi:${target.doi}`)}`,
    "Dataverse",
  );
  const dataset = datasetSchema.safeParse(body);
  if (status === 404 || !dataset.success) throw new ResolveError(`${new URL(base).host} has no public dataset doi:${target.doi}.`);
  const { versionNumber = 0, versionMinorNumber = 0 } = dataset.data.data.latestVersion;
  return {
    repoUrl: `${base}/dataset.xhtml?persistentId=doi:${target.doi}`,
    resolvedRef: `${dataset.data.data.id}.v${versionNumber}.${versionMinorNumber}`,
  };
}

/** Follows the DOI to its landing page and accepts it only on a configured Dataverse. */
async function dataverseOfDoi(doi: string, config: ProviderConfig): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${config.doiResolver}/${doi}`, { redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ResolveError(unreachableMessage("The DOI resolver", error), "repository", true);
  }
  const location = response.headers.get("location");
  if (response.status === 404 || !location) throw new ResolveError(`DOI ${doi} does not exist.`);
  const host = new URL(location, config.doiResolver).host;
  const base = config.dataverse.find((url) => new URL(url).host === host);
  if (!base) {
    throw new ResolveError(
      `DOI ${doi} points to ${host}, which is not a repository Kiln can build: Zenodo, Figshare, HydroShare or a configured Dataverse.`,
    );
  }
  return base;
}
