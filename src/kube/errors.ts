// Errors from the API server, classified so that callers branch on meaning, not on numbers.
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409;
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof KubeApiError && e.status === 409 && e.reason === "AlreadyExists";
export const isForbidden = (e: unknown): boolean => e instanceof KubeApiError && e.status === 403;

/** Builds a KubeApiError from a metav1.Status body (or whatever the server sent). */
export function errorFromResponse(status: number, body: unknown): KubeApiError {
  const s = (typeof body === "object" && body !== null ? body : {}) as { reason?: string; message?: string };
  return new KubeApiError(status, s.reason ?? `HTTP${status}`, s.message ?? `request failed with HTTP ${status}`);
}
