// Bounded concurrency (e.g. at most N key generations at once on the thread pool).

export type Release = () => void;

export class Semaphore {
  private readonly max: number;
  private active = 0;
  private readonly waiters: { grant: (r: Release) => void }[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`semaphore size must be a positive integer, got ${max}`);
    this.max = max;
  }

  /** Resolves with a release function once a slot is free; rejects if signal aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(toError(signal.reason));
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter = {
        grant: (r: Release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(r);
        },
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(toError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Slots in use. */
  get inUse(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return; // double release must not free a slot someone else holds
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant(this.releaser());
      else this.active--;
    };
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error("aborted");
}
