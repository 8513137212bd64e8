import { basePath } from "./base-path";

/** An API answer that was not 2xx, with the problem+json detail meant for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Per-field messages of a 400, for showing next to the field. */
    readonly fieldErrors: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
  override name = "ApiError";
}

/** Client-side fetch of Kiln's own API, relative to the basePath. */
export async function fetchJson<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${basePath}${path}`, { ...init, headers: { accept: "application/json", ...init?.headers } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = (body ?? {}) as { code?: string; detail?: string; errors?: { field: string; message: string }[] };
    throw new ApiError(response.status, problem.code ?? "http_error", problem.detail ?? `Kiln answered ${response.status}.`, problem.errors ?? []);
  }
  return body as T;
}
