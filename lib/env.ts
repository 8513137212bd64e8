import { z } from "zod";

// The one reader of process.env. Parsed lazily so `next build` needs no runtime configuration.

/** An example value for every variable, used in error messages and mirrored in .env.example. */
const examples = {
  DATABASE_URL: "postgresql://kiln:kiln@127.0.0.1:5432/kiln",
  DOCKER_HOST: "unix:///var/run/docker.sock",
  JUPYTERHUB_API_URL: "http://127.0.0.1:8081/hub/api",
  JUPYTERHUB_API_TOKEN: "the api_token of the kiln service in jupyterhub_config.py",
  JUPYTERHUB_CLIENT_ID: "service-kiln",
  JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:8000",
  JUPYTERHUB_SERVICE_PREFIX: "/services/kiln/",
  NEXTAUTH_URL: "http://127.0.0.1:8000/services/kiln/api/auth",
  NEXTAUTH_SECRET: "the output of `openssl rand -hex 32`",
  KILN_MODERATOR_SCOPE: "custom:kiln:moderate",
  KILN_HEALTH_TIMEOUT_MS: "3000",
} as const;

const serverEnvSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/[^/]+\/\w/, "must be a PostgreSQL URL with a database name"),
  DOCKER_HOST: z
    .string()
    .regex(/^(unix|tcp|http|https):\/\/./, "must be a unix:// socket or a tcp:// address")
    .default(examples.DOCKER_HOST),
  JUPYTERHUB_API_URL: z.url("must be the Hub's API URL, ending in /hub/api"),
  JUPYTERHUB_API_TOKEN: z.string().min(16, "must be at least 16 characters"),
  JUPYTERHUB_CLIENT_ID: z.string().startsWith("service-", "must start with service- (JupyterHub requires it)").default(examples.JUPYTERHUB_CLIENT_ID),
  JUPYTERHUB_PUBLIC_URL: z.url("must be the Hub's URL as browsers reach it"),
  JUPYTERHUB_SERVICE_PREFIX: z.string().regex(/^\/.*\/$/, "must start and end with /").default(examples.JUPYTERHUB_SERVICE_PREFIX),
  NEXTAUTH_URL: z.url("must be Kiln's public URL followed by /api/auth"),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  KILN_MODERATOR_SCOPE: z.string().min(1).default(examples.KILN_MODERATOR_SCOPE),
  KILN_HEALTH_TIMEOUT_MS: z.coerce.number().int().positive("must be a positive number of milliseconds").default(3000),
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
  return parseWith(serverEnvSchema.pick({ DATABASE_URL: true }), raw);
}

function parseWith<T extends z.ZodType>(schema: T, raw: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "");
    const example = examples[name as keyof typeof examples] ?? "";
    const problem = raw[name] === undefined || raw[name] === "" ? "is not set" : issue.message;
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

/** Kiln's URL as browsers reach it through the Hub's proxy, without a trailing slash. */
export function publicBaseUrl(env: ServerEnv = serverEnv()): string {
  return `${env.JUPYTERHUB_PUBLIC_URL.replace(/\/+$/, "")}${env.JUPYTERHUB_SERVICE_PREFIX.replace(/\/+$/, "")}`;
}
