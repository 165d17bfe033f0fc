// A keyed work queue with client-go's semantics: a key is queued at most once, a key being
// processed is never handed to a second worker, and a key re-added while processing is queued
// again once done() is called. Delays and back-off run on the injected Clock.
import type { Clock, TimerHandle } from "./clock.ts";

export interface WorkQueueOptions {
  clock: Clock;
  /** First retry delay of addRateLimited (default 1 s); doubles per failure. */
  baseDelayMs?: number;
  /** Back-off cap (default 5 min). */
  maxDelayMs?: number;
}

interface Delayed {
  readyAt: number;
  timer: TimerHandle;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly failureCounts = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    this.clock = opts.clock;
    this.baseDelayMs = opts.baseDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 5 * 60_000;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // done() will requeue it
    this.queue.push(key);
    this.dispatch();
  }

  /** Adds the key after a delay; if it is already waiting, the earliest time wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now().getTime() + ms;
    const existing = this.delayed.get(key);
    if (existing) {
      if (existing.readyAt <= readyAt) return;
      this.clock.clearTimeout(existing.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { readyAt, timer });
  }

  /** Re-adds the key after a per-key exponential back-off. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const failures = (this.failureCounts.get(key) ?? 0) + 1;
    this.failureCounts.set(key, failures);
    this.addAfter(key, this.backoffMs(failures));
  }

  /** Resets the back-off of a key (call after a successful reconcile). */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue is shut down (queued keys are dropped). */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.claim(key));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key finished; if it was re-added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.shuttingDown || !this.dirty.has(key)) return;
    this.queue.push(key);
    this.dispatch();
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.timer);
    this.delayed.clear();
    this.queue.length = 0;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Takes keys again after shutDown (a new term of leadership): empty, with no back-off remembered. */
  restart(): void {
    if (!this.shuttingDown) return;
    if (this.processing.size > 0) throw new Error("restart() while keys are still being processed");
    this.shuttingDown = false;
    this.dirty.clear();
    this.failureCounts.clear();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Number of keys ready to be handed out (not counting delayed or in-flight keys). */
  len(): number {
    return this.queue.length;
  }

  private backoffMs(failures: number): number {
    // Cap the exponent so 2 ** n never overflows to Infinity.
    const exp = Math.min(failures - 1, 52);
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }

  private claim(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const key = this.queue.shift();
      if (key === undefined) return;
      this.waiters.shift()?.(this.claim(key));
    }
  }
}
