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

/** The session's CSRF token, which Kiln hands its pages in the `_xsrf` cookie (JupyterHub's convention). */
function xsrfToken(): string | undefined {
  if (typeof document === "undefined") return undefined;
  // __Host-_xsrf when Kiln has a host of its own over https.
  const entry = document.cookie.split("; ").find((pair) => pair.startsWith("_xsrf=") || pair.startsWith("__Host-_xsrf="));
  return entry ? decodeURIComponent(entry.slice(entry.indexOf("=") + 1)) : undefined;
}

/** Client-side fetch of Kiln's own API, relative to the basePath; state changes carry the CSRF token. */
export async function fetchJson<T>(path: string, init?: RequestInit): Promise<T> {
  const method = (init?.method ?? "GET").toUpperCase();
  const token = method === "GET" || method === "HEAD" ? undefined : xsrfToken();
  let response: Response;
  try {
    response = await fetch(`${basePath}${path}`, {
      ...init,
      headers: { accept: "application/json", ...(token ? { "x-xsrftoken": token } : {}), ...init?.headers },
    });
  } catch (error) {
    // The browser's own words ("Failed to fetch") tell a researcher nothing.
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Kiln could not be reached. Check your network connection; if it is fine, the Hub may be restarting: try again in a minute.");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = (body ?? {}) as { code?: string; detail?: string; errors?: { field: string; message: string }[] };
    const fallback =
      response.status >= 502 && response.status <= 504
        ? "Kiln is not answering right now. Try again in a minute; if it persists, tell your Hub admin."
        : `Kiln answered ${response.status}. Reload the page; if it persists, tell your Hub admin.`;
    throw new ApiError(response.status, problem.code ?? "http_error", problem.detail ?? fallback, problem.errors ?? []);
  }
  return body as T;
}
