// Start order: sources (informers) -> caches synced -> leadership -> controllers.
// Signals stay out of here: main wires SIGTERM/SIGINT to stop().
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "./clock.ts";
import type { StopOptions } from "./controller.ts";
import { race, waitUntil } from "./wait.ts";

/** An informer or any other event source the controllers read from. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  hasSynced?(): boolean;
  waitForSync?(): Promise<void>;
}

/** Anything run only on the leader (a Controller). */
export interface Runnable {
  start(): void;
  stop(opts?: StopOptions): Promise<void>;
}

export interface LeaderGate {
  /** Resolves once this replica leads; rejects (or never resolves) when signal aborts. */
  acquire(signal: AbortSignal): Promise<void>;
  onLost(cb: () => void): void;
  /** Gives the lease up on shutdown so another replica can take over at once. */
  release?(): Promise<void>;
}

export interface ManagerOptions {
  sources: Startable[];
  controllers: Runnable[];
  log: Logger;
  clock: Clock;
  leaderGate?: LeaderGate;
  /** Called once when leadership is lost; controllers have already been told to stop. */
  onLeadershipLost?: () => void;
  metrics?: Pick<Metrics, "leader">;
  /** Poll interval for sources that only offer hasSynced() (default 100 ms). */
  syncPollMs?: number;
  /** Give up waiting for caches after this long (default 2 min, like controller-runtime). */
  syncTimeoutMs?: number;
}

export type ManagerPhase = "new" | "syncing" | "electing" | "running" | "stopping" | "stopped";

export class Manager {
  private readonly opts: ManagerOptions;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private phaseValue: ManagerPhase = "new";
  private synced = false;
  private leading = false;
  private lostLeadership = false;
  private controllersStopped: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.log = opts.log.child({ component: "manager" });
  }

  get phase(): ManagerPhase {
    return this.phaseValue;
  }

  /** Caches are synced: the replica can serve (leader or not). */
  isReady(): boolean {
    return this.synced && this.phaseValue !== "stopping" && this.phaseValue !== "stopped";
  }

  /** False once leadership was lost: the process should exit (liveness fails if it does not). */
  isHealthy(): boolean {
    return !this.lostLeadership;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once controllers run, or early when stop() is called meanwhile. Rejects on sync timeout. */
  async start(): Promise<void> {
    if (this.phaseValue !== "new") throw new Error("manager already started");
    this.phaseValue = "syncing";
    for (const s of this.opts.sources) await s.start();
    await this.waitForSync();
    if (this.abort.signal.aborted) return;
    this.synced = true;
    this.log.info("Caches synced");
    if (!(await this.acquireLeadership())) return;
    this.phaseValue = "running";
    for (const c of this.opts.controllers) c.start();
    this.log.info({ controllers: this.opts.controllers.length }, "Controllers started");
  }

  /** Graceful: lets in-flight reconciles finish, releases the lease, then stops sources. */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    this.phaseValue = "stopping";
    this.abort.abort(new Error("manager stopping"));
    await this.stopControllers({});
    if (this.leading) await this.releaseLeadership();
    await Promise.all(this.opts.sources.map((s) => s.stop()));
    this.phaseValue = "stopped";
    this.log.info("Manager stopped");
  }

  private stopControllers(opts: StopOptions): Promise<void> {
    this.controllersStopped ??= Promise.all(this.opts.controllers.map((c) => c.stop(opts))).then(() => undefined);
    return this.controllersStopped;
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

  private async acquireLeadership(): Promise<boolean> {
    const gate = this.opts.leaderGate;
    if (!gate) return !this.abort.signal.aborted;
    this.phaseValue = "electing";
    gate.onLost(() => this.onLost());
    this.log.info("Waiting for leadership");
    try {
      await gate.acquire(this.abort.signal);
    } catch (err) {
      if (this.abort.signal.aborted) return false;
      throw err;
    }
    if (this.abort.signal.aborted) return false;
    this.leading = true;
    this.opts.metrics?.leader.set(1);
    this.log.info("Became leader");
    return true;
  }

  private onLost(): void {
    if (!this.leading) return;
    this.leading = false;
    this.lostLeadership = true;
    this.opts.metrics?.leader.set(0);
    this.log.error("Leadership lost, stopping controllers");
    // Queues shut down and signals abort synchronously, so no new reconcile starts from here on.
    const stopping = this.stopControllers({ abort: true });
    stopping.catch((err: unknown) =>
      this.log.error({ error: err instanceof Error ? err.message : String(err) }, "Error stopping controllers"),
    );
    this.opts.onLeadershipLost?.();
  }

  private async releaseLeadership(): Promise<void> {
    this.leading = false;
    this.opts.metrics?.leader.set(0);
    try {
      await this.opts.leaderGate?.release?.();
    } catch (err) {
      this.log.warn({ error: err instanceof Error ? err.message : String(err) }, "Releasing leadership failed");
    }
  }
}
