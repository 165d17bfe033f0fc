// Clock-driven waiting helpers (so FakeClock controls them in tests).
import type { Clock, TimerHandle } from "./clock.ts";

export interface WaitOptions {
  clock: Clock;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Error message on timeout. */
  what?: string;
}

/** Settles with p, or rejects on timeout or abort; cleans its timer and listener up either way. */
export function race<T>(p: Promise<T>, opts: WaitOptions): Promise<T> {
  const { clock, timeoutMs, signal, what = "operation" } = opts;
  return new Promise<T>((resolve, reject) => {
    let timer: TimerHandle | undefined;
    const cleanup = (): void => {
      if (timer) clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = clock.setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
    }
    p.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (err: unknown) => {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Polls cond every intervalMs until it holds. */
export function waitUntil(cond: () => boolean, opts: WaitOptions & { intervalMs: number }): Promise<void> {
  let timer: TimerHandle | undefined;
  const polled = new Promise<void>((resolve) => {
    const check = (): void => {
      if (cond()) return resolve();
      timer = opts.clock.setTimeout(check, opts.intervalMs);
    };
    check();
  });
  const stopPolling = (): void => {
    if (timer) opts.clock.clearTimeout(timer);
  };
  return race(polled, opts).finally(stopPolling);
}
