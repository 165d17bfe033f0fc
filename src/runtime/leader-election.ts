// Leader election on a Lease, the client-go way: followers retry every retryPeriod (with
// jitter) and take the lease once its record has not changed for leaseDuration on their own
// clock; the leader renews every retryPeriod and gives up (onLost, no more writes) when it has
// not renewed for renewDeadline. renewDeadline < leaseDuration, so the old leader has stopped
// before anyone else may take over. After a loss the elector may acquire again (a new term).
//
// The fence does not trust timers: a process paused past its lease (SIGSTOP, a VM stall) runs
// pending I/O callbacks before its deadline timer, so every write first checks, on the clock,
// that the last successful renewal was sent less than renewDeadline ago.
import { FencedError, type WriteFence } from "../kube/fence.ts";
import type { LeaseRecord, LeaseStore, StoredLease } from "../kube/lease-store.ts";
import type { Logger } from "../observability/logger.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { LeaderGate } from "./manager.ts";

export interface LeaderElectionOptions {
  store: LeaseStore;
  /** Unique per process (hostname plus a random suffix): two processes must never share it. */
  identity: string;
  clock: Clock;
  log?: Logger;
  /** How long followers wait after the last change of the record before taking over (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Source of jitter in [0, 1); tests pass () => 0. */
  random?: () => number;
  /** Cap of the back-off between failed acquire attempts (API down), default 4 * retryPeriod. */
  maxRetryDelayMs?: number;
}

// client-go's JitterFactor for acquire retries: wait retryPeriod * (1 + 1.2 * rand).
const JITTER = 1.2;

export class LeaderElector implements LeaderGate {
  /** Install on the KubeRest that writes (KubeRest.fence): writes pass only while the lease surely is ours. */
  readonly fence: WriteFence;
  private readonly o: Required<Omit<LeaderElectionOptions, "log" | "maxRetryDelayMs">> & { log?: Logger; maxRetryDelayMs: number };
  private readonly lostCallbacks: (() => void)[] = [];
  private observed: StoredLease | undefined;
  /** When (our clock, ms) the record was last seen to change: the lease expires relative to this. */
  private observedAt = 0;
  private leading = false;
  private acquiring = false;
  private renewTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private inFlight: AbortController | undefined;
  private renewing: Promise<void> | undefined;
  /** When (our clock, ms) the last successful renewal of this term was sent. */
  private renewedAt = 0;
  /** Aborted when the current term ends. */
  private term: AbortController | undefined;

  constructor(opts: LeaderElectionOptions) {
    const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs, random: Math.random, maxRetryDelayMs: 4 * retryPeriodMs, ...opts };
    const { leaseDurationMs, renewDeadlineMs } = this.o;
    if (!(leaseDurationMs > renewDeadlineMs)) throw new Error("leaseDuration must be greater than renewDeadline");
    if (!(renewDeadlineMs > JITTER * retryPeriodMs)) throw new Error("renewDeadline must be greater than 1.2 * retryPeriod");
    const termSignal = () => this.term?.signal;
    this.fence = {
      check: () => this.checkFence(),
      get signal() {
        return termSignal();
      },
    };
  }

  get identity(): string {
    return this.o.identity;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Leading, and the last renewal was sent less than renewDeadline ago on our clock. */
  holdsLease(): boolean {
    return this.leading && this.o.clock.now().getTime() - this.renewedAt < this.o.renewDeadlineMs;
  }

  private checkFence(): void {
    if (!this.leading) throw new FencedError("not the leader: write refused");
    const age = this.o.clock.now().getTime() - this.renewedAt;
    if (age < this.o.renewDeadlineMs) return;
    // Timers have not caught up (the process was paused): end the term now, not when they fire.
    queueMicrotask(() => this.lose(`the lease was last renewed ${age} ms ago, past the renew deadline`));
    throw new FencedError(`lease not renewed for ${age} ms (renew deadline ${this.o.renewDeadlineMs} ms): write refused`);
  }

  onLost(cb: () => void): void {
    this.lostCallbacks.push(cb);
  }

  /** Resolves once we hold the lease; rejects when signal aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    if (this.acquiring || this.leading) return Promise.reject(new Error("leader election already running"));
    this.acquiring = true;
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      let failures = 0;
      const finish = (err?: Error): void => {
        this.acquiring = false;
        if (timer) this.o.clock.clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      const attempt = (): void => {
        timer = undefined;
        const started = this.o.clock.now().getTime();
        this.tryAcquireOrRenew(false, signal).then(
          (ok) => {
            if (signal.aborted) {
              if (ok) this.handBack(); // won just as we were told to stop
            } else if (ok && this.o.clock.now().getTime() - started >= this.o.renewDeadlineMs) {
              // Won, but the answer took so long that the fence would already be shut: renew at once.
              attempt();
            } else if (ok) {
              this.becomeLeader(started);
              finish();
            } else {
              failures = 0;
              retry();
            }
          },
          (err: unknown) => {
            if (signal.aborted) return;
            failures++;
            this.o.log?.warn({ err: errorMessage(err), lease: this.o.store.description, failures }, "Acquiring lease failed; retrying");
            retry();
          },
        );
      };
      // API errors back off (capped) so an outage is ridden out without hammering the server.
      const retry = (): void => {
        const base = Math.min(this.o.retryPeriodMs * 2 ** Math.min(Math.max(failures - 1, 0), 20), this.o.maxRetryDelayMs);
        timer = this.o.clock.setTimeout(attempt, base * (1 + JITTER * this.o.random()));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.o.log?.info({ lease: this.o.store.description, identity: this.o.identity }, "Attempting to acquire leader lease");
      attempt();
    });
  }

  /** Stops renewing and clears the holder so another replica takes over at once. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.stopRenewing();
    await this.renewing;
    await this.giveBack();
    this.o.log?.info({ lease: this.o.store.description }, "Released leader lease");
  }

  private handBack(): void {
    this.giveBack().catch((err: unknown) => this.o.log?.warn({ err: errorMessage(err), lease: this.o.store.description }, "Releasing lease failed"));
  }

  // Reads afresh: an aborted renew may still have been applied, leaving our last version stale.
  private async giveBack(): Promise<void> {
    const seen = await this.o.store.get();
    if (seen?.record.holderIdentity !== this.o.identity) return;
    const now = this.o.clock.now();
    const record: LeaseRecord = {
      holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: seen.record.leaseTransitions,
    };
    this.observe(await this.o.store.update(record, seen.version));
  }

  private becomeLeader(renewedAt: number): void {
    this.leading = true;
    this.term = new AbortController();
    this.o.log?.info({ lease: this.o.store.description, identity: this.o.identity }, "Acquired leader lease");
    this.renewed(renewedAt);
  }

  /** A renew that started at renewedAt succeeded: the deadline counts from when it was sent. */
  private renewed(renewedAt: number): void {
    const { clock, renewDeadlineMs, retryPeriodMs } = this.o;
    this.renewedAt = renewedAt;
    if (this.deadlineTimer) clock.clearTimeout(this.deadlineTimer);
    const left = renewedAt + renewDeadlineMs - clock.now().getTime();
    this.deadlineTimer = clock.setTimeout(() => this.lose("failed to renew the lease within the renew deadline"), left);
    this.renewTimer = clock.setTimeout(() => this.renew(), retryPeriodMs);
  }

  private renew(): void {
    this.renewTimer = undefined;
    if (!this.leading) return;
    const started = this.o.clock.now().getTime();
    const abort = new AbortController();
    this.inFlight = abort;
    this.renewing = this.tryAcquireOrRenew(true, abort.signal).then(
      (ok) => {
        if (!this.leading || abort.signal.aborted) return;
        if (ok) this.renewed(started);
        else this.lose(`the lease is now held by ${this.observed?.record.holderIdentity || "nobody"}`);
      },
      (err: unknown) => {
        if (!this.leading || abort.signal.aborted) return;
        this.o.log?.warn({ err: errorMessage(err), lease: this.o.store.description }, "Renewing lease failed; retrying");
        this.renewTimer = this.o.clock.setTimeout(() => this.renew(), this.o.retryPeriodMs);
      },
    );
  }

  private lose(reason: string): void {
    if (!this.leading) return;
    this.stopRenewing();
    this.o.log?.error({ lease: this.o.store.description, reason }, "Lost leader lease");
    for (const cb of this.lostCallbacks) {
      try {
        cb();
      } catch (err) {
        this.o.log?.error({ err: errorMessage(err) }, "onLost callback failed");
      }
    }
  }

  /** No timer and no request of ours is left that could write the lease. */
  private stopRenewing(): void {
    this.leading = false;
    const { clock } = this.o;
    if (this.renewTimer) clock.clearTimeout(this.renewTimer);
    if (this.deadlineTimer) clock.clearTimeout(this.deadlineTimer);
    this.renewTimer = this.deadlineTimer = undefined;
    this.inFlight?.abort(new Error("leader election stopped"));
    this.inFlight = undefined;
    this.term?.abort(new FencedError("leadership ended"));
    this.term = undefined;
  }

  /** One attempt: true when we hold the lease afterwards. Throws on API errors and conflicts. */
  private async tryAcquireOrRenew(renewOnly: boolean, signal: AbortSignal): Promise<boolean> {
    const { store, identity } = this.o;
    const now = this.o.clock.now();
    // Fast path, like client-go: the leader renews from the record it last wrote, one round trip
    // instead of two. A conflict (someone else wrote) or any failure falls back to reading it.
    const mine = this.observed;
    if (renewOnly && mine?.record.holderIdentity === identity) {
      try {
        this.observe(await store.update({ ...mine.record, leaseDurationSeconds: this.leaseSeconds(), renewTime: now }, mine.version, signal));
        return true;
      } catch (err) {
        if (signal.aborted) throw err;
      }
    }
    const current = await store.get(signal);
    if (!current) {
      if (renewOnly) return false; // deleted under us: someone else may be creating it
      this.observe(await store.create(this.freshRecord(now, 0), signal));
      return true;
    }
    if (current.version !== this.observed?.version) this.observe(current);
    const holder = current.record.holderIdentity;
    if (holder === identity) {
      const record = { ...current.record, leaseDurationSeconds: this.leaseSeconds(), renewTime: now };
      this.observe(await store.update(record, current.version, signal));
      return true;
    }
    if (renewOnly) return false;
    const expiresAt = this.observedAt + current.record.leaseDurationSeconds * 1000;
    if (holder !== "" && expiresAt > this.o.clock.now().getTime()) return false;
    this.observe(await store.update(this.freshRecord(now, current.record.leaseTransitions + 1), current.version, signal));
    return true;
  }

  private freshRecord(now: Date, leaseTransitions: number): LeaseRecord {
    return { holderIdentity: this.o.identity, leaseDurationSeconds: this.leaseSeconds(), acquireTime: now, renewTime: now, leaseTransitions };
  }

  private leaseSeconds(): number {
    return Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000));
  }

  private observe(lease: StoredLease): void {
    this.observed = lease;
    this.observedAt = this.o.clock.now().getTime();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
