// A counting semaphore. Key generation runs on the libuv thread pool, which also serves fs and
// dns; bounding concurrent generations keeps a burst of RSA-4096 requests from starving them.

export class Semaphore {
  #limit: number;
  #active = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Semaphore.#check(limit);
  }

  get limit(): number {
    return this.#limit;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Changing the limit takes effect at once: raising it lets queued tasks start. */
  setLimit(limit: number): void {
    this.#limit = Semaphore.#check(limit);
    this.#drain();
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await task();
    } finally {
      this.#active--;
      this.#drain();
    }
  }

  #acquire(): Promise<void> {
    if (this.#active < this.#limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #drain(): void {
    while (this.#active < this.#limit) {
      const next = this.#waiters.shift();
      if (!next) return;
      this.#active++;
      next();
    }
  }

  static #check(limit: number): number {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
    return limit;
  }
}
