import { z } from "zod";

// The one reader of process.env. Parsed lazily so `next build` needs no runtime configuration.

/** An example value for every variable, used in error messages and mirrored in .env.example. */
const examples = {
  DATABASE_URL: "postgresql://kiln:PASSWORD@127.0.0.1:5432/kiln",
  DOCKER_HOST: "unix:///var/run/docker.sock",
  JUPYTERHUB_API_URL: "http://127.0.0.1:8081/hub/api",
  JUPYTERHUB_API_TOKEN: "the api_token of the kiln service in jupyterhub_config.py",
  JUPYTERHUB_CLIENT_ID: "service-kiln",
  JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:8000",
  JUPYTERHUB_SERVICE_PREFIX: "/services/kiln/",
  NEXTAUTH_URL: "http://127.0.0.1:8000/services/kiln/api/auth",
  KILN_PUBLIC_URL: "https://kiln--service.hub.example.org/services/kiln (with the Hub's subdomain_host)",
  NEXTAUTH_SECRET: "the output of `openssl rand -hex 32`",
  KILN_MODERATOR_SCOPE: "custom:kiln:moderate",
  KILN_WRITE_SCOPE: "custom:kiln:write",
  KILN_METRICS_AUTHENTICATE: "true",
  KILN_LOG_LEVEL: "info",
  KILN_HEALTH_TIMEOUT_MS: "3000",
  KILN_GITHUB_URL: "https://github.com",
  KILN_GITHUB_API_URL: "https://api.github.com",
  KILN_GITHUB_TOKEN: "a GitHub token (optional, raises the API rate limit)",
  KILN_GIST_URL: "https://gist.github.com",
  KILN_GITLAB_URL: "https://gitlab.com",
  KILN_GITLAB_TOKEN: "a GitLab token (optional)",
  KILN_ZENODO_URL: "https://zenodo.org",
  KILN_FIGSHARE_URL: "https://figshare.com",
  KILN_FIGSHARE_API_URL: "https://api.figshare.com/v2",
  KILN_HYDROSHARE_URL: "https://www.hydroshare.org",
  KILN_DATAVERSE_URLS: "https://dataverse.harvard.edu,https://dataverse.nl",
  KILN_DOI_RESOLVER_URL: "https://doi.org",
  KILN_ALLOWED_HOSTS: "git.internal.example:9418,127.0.0.1",
  KILN_BUILDER_IMAGE: "quay.io/jupyterhub/repo2docker:2025.12.0",
  KILN_BUILDER_ENGINE_SOCKET: "/var/run/docker.sock",
  KILN_BUILDER_ENV: "R2D_DATAVERSE_INSTALLATIONS_URL=https://example.org/installations.json",
  KILN_IMAGE_PREFIX: "registry.example.org/kiln/ or kiln-",
  KILN_REGISTRY_PUSH: "true",
  KILN_REGISTRY_USERNAME: "kiln",
  KILN_REGISTRY_PASSWORD: "the registry password (scripts/registry.sh generates one per install)",
  KILN_BUILD_CONCURRENCY: "2",
  KILN_BUILD_PER_USER: "1",
  KILN_BUILD_TIMEOUT_SECONDS: "3600",
  KILN_BUILD_IDLE_SECONDS: "600",
  KILN_BUILD_LOG_MAX_BYTES: "10485760",
  KILN_BUILD_LOG_MAX_LINE_BYTES: "65536",
  KILN_BUILD_QUEUED_PER_USER: "5",
  KILN_STREAMS_PER_USER: "10",
  KILN_REQUESTS_PER_MINUTE: "300",
  KILN_BUILDER_MEMORY_MB: "4096",
  KILN_BUILDER_CPUS: "1.5",
  KILN_BUILDER_PIDS: "1024",
  KILN_DB_POOL_SIZE: "10",
  KILN_DB_VIEWER_POOL_SIZE: "3",
  KILN_CORS_ALLOW_ORIGINS: "https://book.example.org,https://thebe.example.org (or * for any)",
  KILN_BADGE_LABEL: "Kiln",
  KILN_SERVER_TOKEN_SECONDS: "3600",
  KILN_LINK_LAUNCH: "auto or confirm",
  KILN_MODE: "docker or kubernetes",
  KILN_K8S_NAMESPACE: "jhub (the namespace of the Hub's release)",
  KILN_K8S_KUBECONFIG: "/etc/kiln/kubeconfig (unset inside the cluster: the pod's service account is used)",
  KILN_K8S_NODE_SELECTOR: "hub.jupyter.org/node-purpose=user,disk=ssd",
  KILN_K8S_HOST_NETWORK: "false",
  KILN_K8S_IMAGE_PULL_POLICY: "IfNotPresent, Always or Never",
  KILN_K8S_BUILDER_CPU_REQUEST: "0.2",
  KILN_K8S_BUILDER_MEMORY_REQUEST_MB: "512",
  KILN_K8S_PULL_SECRET: "a docker-registry Secret's name, for pulling the builder image",
  KILN_K8S_PUSH_SECRET: "kiln-build-push (a Secret whose key `credentials` holds {\"registry\",\"username\",\"password\"})",
} as const;

/** A comma-separated list; each item checked by `item`. */
const listOf = (item: z.ZodType<string, string>, defaultValue = "") =>
  z
    .string()
    .default(defaultValue)
    .transform((value) => value.split(",").map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(item));
const flag = z.enum(["true", "false", "1", "0", ""]).default("false").transform((value) => value === "true" || value === "1");
const optionalSecret = z.string().optional().transform((value) => value || undefined);
const httpUrl = (what: string) => z.url(`must be ${what}`).transform((value) => value.replace(/\/+$/, ""));
const positive = (what: string) => z.coerce.number().int().positive(`must be a positive whole number of ${what}`);

const serverEnvFields = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/[^/]+\/\w/, "must be a PostgreSQL URL with a database name"),
  DOCKER_HOST: z
    .string()
    .regex(/^(unix|tcp|http|https):\/\/./, "must be a unix:// socket or a tcp:// address")
    .default(examples.DOCKER_HOST),
  JUPYTERHUB_API_URL: httpUrl("the Hub's API URL, ending in /hub/api"),
  JUPYTERHUB_API_TOKEN: z.string().min(16, "must be at least 16 characters"),
  JUPYTERHUB_CLIENT_ID: z.string().startsWith("service-", "must start with service- (JupyterHub requires it)").default(examples.JUPYTERHUB_CLIENT_ID),
  JUPYTERHUB_PUBLIC_URL: z.url("must be the Hub's URL as browsers reach it"),
  JUPYTERHUB_SERVICE_PREFIX: z.string().regex(/^\/.*\/$/, "must start and end with /").default(examples.JUPYTERHUB_SERVICE_PREFIX),
  NEXTAUTH_URL: z.url("must be Kiln's public URL followed by /api/auth"),
  // Kiln's URL as browsers reach it; by default the Hub's URL and the service prefix. A Hub with
  // subdomain_host serves Kiln on a host of its own.
  KILN_PUBLIC_URL: httpUrl("Kiln's URL as browsers reach it").optional(),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  KILN_MODERATOR_SCOPE: z.string().min(1).default(examples.KILN_MODERATOR_SCOPE),
  // Hub API tokens change things in Kiln only with this scope: a token narrowed without it reads.
  KILN_WRITE_SCOPE: z.string().min(1).default(examples.KILN_WRITE_SCOPE),
  // /metrics wants a token with read:metrics unless this is false (JupyterHub's authenticate_prometheus).
  KILN_METRICS_AUTHENTICATE: z.enum(["true", "false", "1", "0"]).default("true").transform((value) => value === "true" || value === "1"),
  KILN_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  KILN_HEALTH_TIMEOUT_MS: positive("milliseconds").default(3000),

  // Repository providers: base URLs (GitHub Enterprise, self-hosted GitLab, other Dataverses).
  KILN_GITHUB_URL: httpUrl("GitHub's web URL").default(examples.KILN_GITHUB_URL),
  KILN_GITHUB_API_URL: httpUrl("GitHub's API URL").default(examples.KILN_GITHUB_API_URL),
  KILN_GITHUB_TOKEN: optionalSecret,
  KILN_GIST_URL: httpUrl("the Gist web URL").default(examples.KILN_GIST_URL),
  KILN_GITLAB_URL: httpUrl("GitLab's web URL").default(examples.KILN_GITLAB_URL),
  KILN_GITLAB_TOKEN: optionalSecret,
  KILN_ZENODO_URL: httpUrl("Zenodo's URL").default(examples.KILN_ZENODO_URL),
  KILN_FIGSHARE_URL: httpUrl("Figshare's web URL").default(examples.KILN_FIGSHARE_URL),
  KILN_FIGSHARE_API_URL: httpUrl("Figshare's API URL").default(examples.KILN_FIGSHARE_API_URL),
  KILN_HYDROSHARE_URL: httpUrl("HydroShare's URL").default(examples.KILN_HYDROSHARE_URL),
  KILN_DATAVERSE_URLS: listOf(z.url("must list Dataverse installation URLs"), examples.KILN_DATAVERSE_URLS),
  KILN_DOI_RESOLVER_URL: httpUrl("a DOI resolver URL").default(examples.KILN_DOI_RESOLVER_URL),
  // Hosts (or host:port) a build may fetch from although they resolve to a private address.
  KILN_ALLOWED_HOSTS: listOf(z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, "must list host names or host:port pairs")),

  // Builds.
  KILN_BUILDER_IMAGE: z.string().min(1).default(examples.KILN_BUILDER_IMAGE),
  KILN_BUILDER_ENGINE_SOCKET: z.string().startsWith("/", "must be an absolute path").default(examples.KILN_BUILDER_ENGINE_SOCKET),
  KILN_BUILDER_ENV: listOf(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "must be NAME=value pairs separated by commas")),
  KILN_IMAGE_PREFIX: z
    .string()
    .regex(/^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9][a-z0-9._\/-]*$/, "must be a lowercase image name prefix like registry.example.org/kiln/ or kiln-")
    .default("kiln-"),
  KILN_REGISTRY_PUSH: flag,
  // Credentials for the registry (push, check, delete); unset for a registry without authentication.
  KILN_REGISTRY_USERNAME: optionalSecret,
  KILN_REGISTRY_PASSWORD: optionalSecret,
  KILN_BUILD_CONCURRENCY: positive("builds").default(2),
  KILN_BUILD_PER_USER: positive("builds").default(1),
  KILN_BUILD_TIMEOUT_SECONDS: positive("seconds").default(3600),
  KILN_BUILD_IDLE_SECONDS: positive("seconds").default(600),
  KILN_BUILD_LOG_MAX_BYTES: positive("bytes").default(10 * 1024 * 1024),
  KILN_BUILD_LOG_MAX_LINE_BYTES: positive("bytes").pipe(z.number().min(1024, "must be at least 1024 bytes")).default(64 * 1024),
  KILN_BUILD_QUEUED_PER_USER: positive("builds").default(5),
  KILN_STREAMS_PER_USER: positive("streams").default(10),
  // API requests one signed-in person may make per minute (per Kiln process); more get a 429.
  KILN_REQUESTS_PER_MINUTE: positive("requests").default(300),
  // The builder container's limits (repo2docker itself, git, the build client).
  KILN_BUILDER_MEMORY_MB: positive("MiB").default(4096),
  KILN_BUILDER_CPUS: z.coerce.number().positive("must be a positive number of CPUs, e.g. 1.5").default(1.5),
  KILN_BUILDER_PIDS: positive("processes").default(1024),

  // PostgreSQL connections per Kiln process: the main pool, and the small one live log viewers
  // and log downloads share, so no number of viewers can starve the builds.
  KILN_DB_POOL_SIZE: positive("connections").default(10),
  KILN_DB_VIEWER_POOL_SIZE: positive("connections").default(3),

  // Launch links and the build API. Other sites (a Jupyter Book, Thebe) may call the API with a
  // user's Hub token from these origins; none by default, as BinderHub's cors_allow_origin.
  KILN_CORS_ALLOW_ORIGINS: listOf(z.union([z.literal("*"), z.url().regex(/^https?:\/\/[^/]+$/, "must list origins like https://book.example.org, without a path")])),
  // The right half of the launch badge ("launch | Kiln"): the name people know this Hub by.
  KILN_BADGE_LABEL: z.string().trim().min(1).max(40, "must be at most 40 characters").default("Kiln"),
  // How long the server token the build API hands out lives.
  KILN_SERVER_TOKEN_SECONDS: positive("seconds").default(3600),
  // What a launch link does once its image is ready: launch at once, as Binder does ("auto"),
  // or ask first ("confirm"): the server runs the repository's code with the visitor's home.
  KILN_LINK_LAUNCH: z.enum(["auto", "confirm"], "must be auto or confirm").default("auto"),

  // Where builds run: containers on one engine ("docker", also Podman), or pods in a cluster.
  KILN_MODE: z.enum(["docker", "kubernetes"], "must be docker or kubernetes").default("docker"),
  KILN_K8S_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Kubernetes namespace name (lowercase letters, digits and -)")
    .optional(),
  KILN_K8S_KUBECONFIG: z.string().startsWith("/", "must be an absolute path to a kubeconfig file").optional(),
  // Set by Kubernetes in every pod: Kiln then uses its pod's service account.
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  KILN_K8S_NODE_SELECTOR: listOf(z.string().regex(/^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*$/, "must list key=value pairs separated by commas"))
    .transform((pairs) => Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]))),
  // Build pods on the node's network (a cluster without pod networking, as the local one).
  KILN_K8S_HOST_NETWORK: flag,
  KILN_K8S_IMAGE_PULL_POLICY: z.enum(["IfNotPresent", "Always", "Never"], "must be IfNotPresent, Always or Never").default("IfNotPresent"),
  KILN_K8S_BUILDER_CPU_REQUEST: z.coerce.number().positive("must be a positive number of CPUs, e.g. 0.2").default(0.2),
  KILN_K8S_BUILDER_MEMORY_REQUEST_MB: positive("MiB").default(512),
  KILN_K8S_PULL_SECRET: z.string().regex(/^[a-z0-9][-a-z0-9.]*$/, "must be a Secret's name").optional(),
  KILN_K8S_PUSH_SECRET: z.string().regex(/^[a-z0-9][-a-z0-9.]*$/, "must be a Secret's name").optional(),
});

const serverEnvSchema = serverEnvFields.superRefine((env, context) => {
  if (env.KILN_MODE !== "kubernetes") return;
  const need = (name: keyof typeof examples, why: string) => context.addIssue({ code: "custom", path: [name], message: why });
  if (!env.KILN_K8S_NAMESPACE) need("KILN_K8S_NAMESPACE", "must name the namespace build pods run in (KILN_MODE is kubernetes)");
  if (!env.KILN_K8S_KUBECONFIG && !env.KUBERNETES_SERVICE_HOST) {
    need("KILN_K8S_KUBECONFIG", "must point at a kubeconfig when Kiln runs outside the cluster (KILN_MODE is kubernetes)");
  }
  if (env.KILN_REGISTRY_PUSH && !env.KILN_K8S_PUSH_SECRET) {
    need("KILN_K8S_PUSH_SECRET", "must name the Secret build pods push with (KILN_MODE is kubernetes and KILN_REGISTRY_PUSH is on)");
  }
  if (!env.KILN_REGISTRY_PUSH) need("KILN_REGISTRY_PUSH", "must be true in Kubernetes mode: the cluster pulls every image from the registry");
  if (!env.DOCKER_HOST.startsWith("unix://")) {
    need("DOCKER_HOST", "must be the node's engine socket (unix://...) in Kubernetes mode: it is mounted into every build pod");
  }
  if (!/^[a-z0-9.-]+(:\d+)?\//.test(env.KILN_IMAGE_PREFIX) || !/[.:]|^localhost\//.test(env.KILN_IMAGE_PREFIX.split("/")[0] ?? "")) {
    need("KILN_IMAGE_PREFIX", "must start with the registry's host in Kubernetes mode (e.g. registry.example.org/kiln-): the cluster pulls from there");
  }
  if (env.KILN_K8S_BUILDER_CPU_REQUEST > env.KILN_BUILDER_CPUS) {
    need("KILN_K8S_BUILDER_CPU_REQUEST", `must not exceed KILN_BUILDER_CPUS (${env.KILN_BUILDER_CPUS}), the build pod's CPU limit`);
  }
  if (env.KILN_K8S_BUILDER_MEMORY_REQUEST_MB > env.KILN_BUILDER_MEMORY_MB) {
    need("KILN_K8S_BUILDER_MEMORY_REQUEST_MB", `must not exceed KILN_BUILDER_MEMORY_MB (${env.KILN_BUILDER_MEMORY_MB}), the build pod's memory limit`);
  }
});

export type ServerEnv = z.infer<typeof serverEnvSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses a raw environment; throws a ConfigError naming every bad variable and how to set it. */
export function parseServerEnv(raw: Record<string, string | undefined>): ServerEnv {
  return parseWith(serverEnvSchema, raw);
}

/** Just DATABASE_URL, for tools (the migrator) that need nothing else. */
export function parseDatabaseEnv(raw: Record<string, string | undefined>): Pick<ServerEnv, "DATABASE_URL"> {
  return parseWith(serverEnvFields.pick({ DATABASE_URL: true }), raw);
}

function parseWith<T extends z.ZodType>(schema: T, raw: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "");
    const example = examples[name as keyof typeof examples] ?? "";
    const unset = raw[name] === undefined || raw[name] === "";
    const problem = issue.code === "custom" ? issue.message : unset ? "is not set" : issue.message;
    return `  - ${name} ${problem}; for example ${name}=${example}`;
  });
  throw new ConfigError(
    `Kiln's configuration is invalid:\n${lines.join("\n")}\n` +
      "Set these in the environment or in .env; .env.example documents every variable.",
  );
}

let cached: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}

/** The service prefix without its trailing slash: Next's basePath and the path of Kiln's cookies. */
export function servicePath(env: ServerEnv = serverEnv()): string {
  return env.JUPYTERHUB_SERVICE_PREFIX.replace(/\/+$/, "");
}

/** Kiln's URL as browsers reach it through the Hub's proxy, without a trailing slash. */
export function publicBaseUrl(env: ServerEnv = serverEnv()): string {
  return env.KILN_PUBLIC_URL ?? `${env.JUPYTERHUB_PUBLIC_URL.replace(/\/+$/, "")}${servicePath(env)}`;
}

/** The origins a browser may send Kiln's state-changing requests from: Kiln's own pages only. */
export function trustedOrigins(env: ServerEnv = serverEnv()): Set<string> {
  return new Set([new URL(publicBaseUrl(env)).origin, new URL(env.NEXTAUTH_URL).origin]);
}

/** The origin a cross-origin API request may be answered to (CORS), or null: listed origins only. */
export function corsOrigin(origin: string | null, env: ServerEnv = serverEnv()): string | null {
  if (!origin) return null;
  if (env.KILN_CORS_ALLOW_ORIGINS.includes("*")) return "*";
  return env.KILN_CORS_ALLOW_ORIGINS.includes(origin) ? origin : null;
}

/**
 * Whether user servers share Kiln's origin (the Hub runs without subdomain_host): then a page a
 * user serves can act as Kiln's own pages in a visitor's browser, which moderators should know.
 */
export function sharesOriginWithUserServers(env: ServerEnv = serverEnv()): boolean {
  return new URL(publicBaseUrl(env)).origin === new URL(env.JUPYTERHUB_PUBLIC_URL).origin;
}
