/**
 * Errors a route may raise on purpose. `userMessage` is shown to people; `message` (and the
 * cause) stays in the server log.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly userMessage: string,
    options: { internal?: string; cause?: unknown; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(options.internal ?? userMessage, { cause: options.cause });
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
  readonly details: unknown;
  /** Response headers that go with the error (Retry-After on a 429). */
  readonly headers: Record<string, string>;
  override name = "AppError";
}

export const notSignedIn = () =>
  new AppError("not_signed_in", 401, "Sign in through JupyterHub to use Kiln.");

export const forbidden = (what: string) =>
  new AppError("forbidden", 403, `You do not have permission to ${what}. Ask a Hub admin if you need it.`);

export const badRequest = (userMessage: string, details?: unknown) =>
  new AppError("bad_request", 400, userMessage, { details });

export const unavailable = (part: string, userMessage: string, cause?: unknown) =>
  new AppError(`${part}_unavailable`, 503, userMessage, { cause });
