// Client-side rate limit on API requests: a token bucket like client-go's (QPS refills, burst is
// the bucket). It protects a shared API server from a burst of reconciles (a restart over
// thousands of Certificates, a CA rotation that re-issues all of them); it is set far above what
// one issuance needs (about 3 writes), so that it is not what bounds throughput, as cert-manager's
// defaults (20 QPS, burst 50) are.
import { setTimeout as sleepMs } from "node:timers/promises";
import { performance } from "node:perf_hooks";

export interface RateLimit {
  qps: number;
  burst: number;
}

/** Defaults of --kube-api-qps and --kube-api-burst. */
export const DEFAULT_RATE_LIMIT: RateLimit = { qps: 200, burst: 400 };

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Requests waiting, in order: each takes the next token as it accrues. */
  private queue: Promise<void> = Promise.resolve();
  private readonly limit: RateLimit;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(limit: RateLimit, clock: { now: () => number; sleep: (ms: number) => Promise<unknown> } = { now: () => performance.now(), sleep: sleepMs }) {
    if (!(limit.qps > 0) || !(limit.burst >= 1)) throw new Error(`rate limit needs qps > 0 and burst >= 1, got ${limit.qps}/${limit.burst}`);
    this.limit = limit;
    this.now = clock.now;
    this.sleep = clock.sleep;
    this.tokens = limit.burst;
    this.last = clock.now();
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      this.refill();
      // The epsilon: after sleeping for exactly the deficit, float rounding may leave 0.99999...
      if (this.tokens >= 1 - 1e-9) {
        this.tokens = Math.max(0, this.tokens - 1);
        return;
      }
      await this.sleep(((1 - this.tokens) / this.limit.qps) * 1000);
    }
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.last) / 1000) * this.limit.qps);
    this.last = t;
  }
}
