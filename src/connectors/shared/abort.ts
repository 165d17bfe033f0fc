// Cancellation for connector calls: a caller's AbortSignal ends the call with a retryable
// ConnectorError "Cancelled", so the reconciler treats it like any other transient failure.
import { ConnectorError } from "../connector.ts";

export function cancelled(what: string): ConnectorError {
  return new ConnectorError("Cancelled", `${what} was cancelled`, true);
}

export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelled(what);
}

/**
 * Waits for work shared by several callers (a directory lookup, an account registration)
 * until it settles or this caller's signal fires; the shared work itself carries on.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(cancelled(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(what));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Sleeps, or ends early with "Cancelled" when the signal fires. */
export function sleepUnlessCancelled(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return abortable(
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => clearTimeout(timer), { once: true });
    }),
    signal,
    what,
  );
}
