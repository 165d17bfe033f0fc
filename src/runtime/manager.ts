// Start order: sources (informers) -> caches synced -> leadership -> controllers.
// Leadership comes in terms: when the lease is lost, controllers stop at once (in-flight
// reconciles are aborted and the fence refuses their writes), the replica goes back to being a
// candidate and, once it leads again and its caches are current, starts the controllers anew.
// The process never exits for that. Signals stay out of here: main wires SIGTERM/SIGINT to stop().
import type { WriteFence } from "../kube/fence.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { StopOptions } from "./controller.ts";
import { race, waitUntil } from "./wait.ts";

/** An informer or any other event source the controllers read from. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  hasSynced?(): boolean;
  waitForSync?(): Promise<void>;
  /** Resolves once the cache reflects the server again (listed since its last connection error). */
  waitUntilCurrent?(): Promise<void>;
}

/** Anything run only on the leader (a Controller); started again for each term. */
export interface Runnable {
  start(): void;
  stop(opts?: StopOptions): Promise<void>;
  readonly name?: string;
  inFlightKeys?(): string[];
}

export interface LeaderGate {
  /** Resolves once this replica leads; rejects (or never resolves) when signal aborts. May be called again after a loss. */
  acquire(signal: AbortSignal): Promise<void>;
  /** Called on every loss. */
  onLost(cb: () => void): void;
  /** Gives the lease up on shutdown so another replica can take over at once. */
  release?(): Promise<void>;
  /** Refuses writes outside a term (the operator installs it on its KubeRest). */
  readonly fence?: WriteFence;
}

export interface ManagerOptions {
  sources: Startable[];
  controllers: Runnable[];
  log: Logger;
  clock: Clock;
  leaderGate?: LeaderGate;
  /** Called on each loss of leadership, after controllers were told to stop; the manager then re-elects by itself. */
  onLeadershipLost?: () => void;
  metrics?: Pick<Metrics, "leader">;
  /** Poll interval for sources that only offer hasSynced() (default 100 ms). */
  syncPollMs?: number;
  /** Give up waiting for caches after this long (default 2 min, like controller-runtime). */
  syncTimeoutMs?: number;
}

export type ManagerPhase = "new" | "syncing" | "electing" | "running" | "stopping" | "stopped";

const SLOW_STOP_REPORT_MS = 5_000;

interface Term {
  lost: boolean;
  ended: Promise<void>;
  end(): void;
}

export class Manager {
  private readonly opts: ManagerOptions;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private phaseValue: ManagerPhase = "new";
  private synced = false;
  private leading = false;
  private failed = false;
  private term: Term | undefined;
  /** How many terms have started controllers (tests wait for it to rise). */
  terms = 0;
  private controllersStopped: Promise<void> | undefined;
  private electionLoop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.log = opts.log.child({ component: "manager" });
    opts.leaderGate?.onLost(() => this.onLost());
  }

  get phase(): ManagerPhase {
    return this.phaseValue;
  }

  /** Caches are synced: the replica can serve (leader or not). */
  isReady(): boolean {
    return this.synced && this.phaseValue !== "stopping" && this.phaseValue !== "stopped";
  }

  /** A candidate is healthy too; false only when the election loop itself broke. */
  isHealthy(): boolean {
    return !this.failed;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once controllers run for the first time, or early when stop() is called meanwhile. Rejects on sync timeout. */
  async start(): Promise<void> {
    if (this.phaseValue !== "new") throw new Error("manager already started");
    this.phaseValue = "syncing";
    for (const s of this.opts.sources) await s.start();
    await this.waitForSync();
    if (this.abort.signal.aborted) return;
    this.synced = true;
    this.log.info("Caches synced");
    const gate = this.opts.leaderGate;
    if (!gate) {
      this.startControllers();
      return;
    }
    let firstTerm!: () => void;
    const led = new Promise<void>((resolve) => (firstTerm = resolve));
    this.electionLoop = this.runTerms(gate, firstTerm)
      .catch((err: unknown) => {
        this.failed = true;
        this.log.error({ error: errorMessage(err) }, "Leader election failed");
      })
      .finally(firstTerm);
    await led;
  }

  /** Graceful: lets in-flight reconciles finish, releases the lease, then stops sources. */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    this.phaseValue = "stopping";
    this.abort.abort(new Error("manager stopping"));
    this.term?.end();
    await this.electionLoop;
    await this.stopControllers({});
    if (this.leading) await this.releaseLeadership();
    await Promise.all(this.opts.sources.map((s) => s.stop()));
    this.phaseValue = "stopped";
    this.log.info("Manager stopped");
  }

  /** Candidate -> leader -> (lost) -> candidate ..., until stop(). */
  private async runTerms(gate: LeaderGate, firstTerm: () => void): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      this.phaseValue = "electing";
      this.log.info("Waiting for leadership");
      try {
        await gate.acquire(signal);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      if (signal.aborted) return; // doStop releases the lease
      let end!: () => void;
      const term: Term = { lost: false, ended: new Promise<void>((resolve) => (end = resolve)), end: () => end() };
      this.term = term;
      this.leading = true;
      this.opts.metrics?.leader.set(1);
      this.log.info("Became leader");
      // After an outage the caches may be behind the server: never decide from them until they re-listed.
      await this.untilSourcesCurrent(term);
      if (term.lost || signal.aborted) {
        await this.controllersStopped;
        continue;
      }
      this.startControllers();
      firstTerm();
      await term.ended;
      // Lost: wait until no reconcile of this term runs before a new term may start one.
      await this.controllersStopped;
    }
  }

  private startControllers(): void {
    this.controllersStopped = undefined;
    this.phaseValue = "running";
    for (const c of this.opts.controllers) c.start();
    this.terms++;
    this.log.info({ controllers: this.opts.controllers.length, term: this.terms }, "Controllers started");
  }

  private stopControllers(opts: StopOptions): Promise<void> {
    if (this.controllersStopped) return this.controllersStopped;
    const stopping = Promise.all(this.opts.controllers.map((c) => c.stop(opts))).then(() => undefined);
    this.controllersStopped = stopping;
    this.reportSlowStop(stopping);
    return stopping;
  }

  // A reconcile that ignores its signal holds the next term back: say which, every few seconds.
  private reportSlowStop(stopping: Promise<void>): void {
    const { clock } = this.opts;
    let done = false;
    let timer: TimerHandle | undefined;
    const warn = (): void => {
      if (done) return;
      const inFlight = this.opts.controllers.flatMap((c) => (c.inFlightKeys?.() ?? []).map((k) => `${c.name ?? "?"}:${k}`));
      this.log.warn({ inFlight }, "Controllers still stopping");
      timer = clock.setTimeout(warn, SLOW_STOP_REPORT_MS);
    };
    timer = clock.setTimeout(warn, SLOW_STOP_REPORT_MS);
    void stopping.finally(() => {
      done = true;
      if (timer) clock.clearTimeout(timer);
    });
  }

  private async untilSourcesCurrent(term: Term): Promise<void> {
    const each = this.opts.sources.map((s) => s.waitUntilCurrent?.() ?? Promise.resolve());
    await Promise.race([Promise.all(each), term.ended]);
  }

  private async waitForSync(): Promise<void> {
    const { clock, syncPollMs = 100, syncTimeoutMs = 120_000 } = this.opts;
    const wait = { clock, timeoutMs: syncTimeoutMs, signal: this.abort.signal, what: "caches to sync" };
    const each = this.opts.sources.map((s) => {
      if (s.waitForSync) return race(s.waitForSync(), wait);
      const synced = s.hasSynced?.bind(s);
      return synced ? waitUntil(synced, { ...wait, intervalMs: syncPollMs }) : Promise.resolve();
    });
    try {
      await Promise.all(each);
    } catch (err) {
      if (!this.abort.signal.aborted) throw err;
    }
  }

  private onLost(): void {
    const term = this.term;
    if (!this.leading || !term) return;
    this.leading = false;
    term.lost = true;
    this.opts.metrics?.leader.set(0);
    this.log.error("Leadership lost: stopping controllers, then back to candidate");
    // Queues shut down and signals abort synchronously, so no new reconcile starts from here on.
    const stopping = this.stopControllers({ abort: true });
    stopping.catch((err: unknown) => this.log.error({ error: errorMessage(err) }, "Error stopping controllers"));
    if (this.phaseValue === "running") this.phaseValue = "electing";
    term.end();
    try {
      this.opts.onLeadershipLost?.();
    } catch (err) {
      this.log.error({ error: errorMessage(err) }, "onLeadershipLost callback failed");
    }
  }

  private async releaseLeadership(): Promise<void> {
    this.leading = false;
    this.opts.metrics?.leader.set(0);
    try {
      await this.opts.leaderGate?.release?.();
    } catch (err) {
      this.log.warn({ error: errorMessage(err) }, "Releasing leadership failed");
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
