// The controller loop: N workers take keys from the queue and reconcile them, one worker per key.
// Success forgets the back-off (and requeues when asked), an Error retries with back-off,
// a TerminalError waits until the object changes (a new enqueue from the informer).
// A controller can be stopped and started again (one run per term of leadership); each start
// queues the keys of resync() so nothing dropped while stopped is forgotten.
import { randomUUID } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { isFenced, type WriteFence } from "../kube/fence.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { splitKey } from "./keys.ts";
import type { WorkQueue } from "./work-queue.ts";

/** Thrown by a reconciler when retrying cannot help until the object changes. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

export interface ReconcileResult {
  /** Look at the object again after this long (e.g. at its renewal time). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  reconcileID: string;
  log: Logger;
  /**
   * Aborted when the controller must stop at once (lost leadership): make no more writes.
   * The Certificate and profile reconcilers pass it to their KubeClient calls
   * (client.withSignal(signal)) and connector calls. The profile's CRL publishing does not take
   * it: its writes are fenced by the transport like every API write (see assertLeader).
   */
  signal: AbortSignal;
  /**
   * Throws (FencedError) unless this replica surely still holds the lease. API writes are checked
   * by the transport; call this right before side effects elsewhere (a connector's issue or revoke).
   */
  assertLeader(): void;
}

export interface Reconciler {
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult>;
}

export type ReconcileOutcome = "success" | "requeue_after" | "error" | "terminal_error" | "aborted";

export type ControllerMetrics = Pick<Metrics, "reconcileTotal" | "reconcileErrors" | "reconcileDuration">;

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  queue: WorkQueue;
  workers?: number;
  log: Logger;
  metrics?: ControllerMetrics;
  /** Keys to look at on every start (all objects of the informer): the queue drops its keys on stop. */
  resync?: () => Iterable<string>;
  /** The leader's write fence: no reconcile starts while it is shut. */
  fence?: WriteFence;
}

export interface StopOptions {
  /** Abort in-flight reconciles' signal instead of letting them finish normally. */
  abort?: boolean;
}

export class Controller {
  readonly name: string;
  private readonly reconciler: Reconciler;
  private readonly queue: WorkQueue;
  private readonly workerCount: number;
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly resync: (() => Iterable<string>) | undefined;
  private readonly fence: WriteFence | undefined;
  private abort = new AbortController();
  private workers: Promise<void>[] = [];
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly inFlight = new Set<string>();

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.reconciler = opts.reconciler;
    this.queue = opts.queue;
    this.workerCount = Math.max(1, opts.workers ?? 2);
    this.log = opts.log.child({ controller: opts.name });
    this.metrics = opts.metrics;
    this.resync = opts.resync;
    this.fence = opts.fence;
  }

  /** Starts the workers; after stop() has finished, starts a new run. */
  start(): void {
    if (this.started) return;
    if (this.stopping) throw new Error(`controller ${this.name} is still stopping`);
    this.started = true;
    if (this.queue.isShuttingDown()) {
      this.queue.restart();
      this.abort = new AbortController();
    }
    for (const key of this.resync?.() ?? []) this.queue.add(key);
    this.log.info({ workers: this.workerCount }, "Starting workers");
    for (let i = 0; i < this.workerCount; i++) this.workers.push(this.runWorker());
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Keys being reconciled right now (the manager names them when a stop takes long). */
  /** Nothing being reconciled and nothing ready to be (keys waiting on a timer do not count). */
  idle(): boolean {
    return this.inFlight.size === 0 && this.queue.len() === 0;
  }

  inFlightKeys(): string[] {
    return [...this.inFlight];
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. */
  stop(opts: StopOptions = {}): Promise<void> {
    this.queue.shutDown();
    if (opts.abort) this.abort.abort(new Error(`controller ${this.name} stopped`));
    this.stopping ??= this.finishStop();
    return this.stopping;
  }

  private async finishStop(): Promise<void> {
    await Promise.all(this.workers);
    this.workers = [];
    this.stopping = undefined;
    if (!this.started) return;
    this.started = false;
    this.log.info("Stopped workers");
  }

  private async runWorker(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      this.inFlight.add(key);
      try {
        await this.process(key);
      } finally {
        this.inFlight.delete(key);
        this.queue.done(key);
      }
      // Reconciles that resolve at once (cache hits) would otherwise chain as microtasks and keep
      // timers (the lease renewal) and I/O waiting until the whole queue is drained.
      await nextTurn();
    }
  }

  private async process(key: string): Promise<void> {
    const reconcileID = randomUUID();
    const log = this.log.child({ ...splitKey(key), reconcileID });
    const signal = this.abort.signal;
    const assertLeader = (): void => {
      signal.throwIfAborted();
      this.fence?.check();
    };
    const endTimer = this.metrics?.reconcileDuration.startTimer({ controller: this.name });
    let outcome: ReconcileOutcome;
    try {
      assertLeader();
      const result = await this.reconciler.reconcile(key, { reconcileID, log, signal, assertLeader });
      outcome = this.onSuccess(key, result);
    } catch (err) {
      outcome = signal.aborted || this.queue.isShuttingDown() || isFenced(err) ? this.onAborted(err, log) : this.onError(key, err, log);
    } finally {
      endTimer?.();
    }
    this.metrics?.reconcileTotal.inc({ controller: this.name, result: outcome });
    if (outcome === "error" || outcome === "terminal_error") {
      this.metrics?.reconcileErrors.inc({ controller: this.name });
    }
  }

  private onSuccess(key: string, result: ReconcileResult): ReconcileOutcome {
    this.queue.forget(key);
    if (result.requeueAfterMs === undefined) return "success";
    this.queue.addAfter(key, result.requeueAfterMs);
    return "requeue_after";
  }

  // Stopped mid-reconcile (lost leadership): the next term looks at the key again.
  private onAborted(err: unknown, log: Logger): ReconcileOutcome {
    log.info({ error: err instanceof Error ? err.message : String(err) }, "Reconcile stopped: the controller is stopping");
    return "aborted";
  }

  private onError(key: string, err: unknown, log: Logger): ReconcileOutcome {
    // Only the message: error objects from HTTP clients can carry requests, headers and bodies.
    const error = err instanceof Error ? err.message : String(err);
    if (err instanceof TerminalError) {
      this.queue.forget(key);
      log.error({ error }, "Reconciler error, not retrying until the object changes");
      return "terminal_error";
    }
    this.queue.addRateLimited(key);
    log.error({ error, failures: this.queue.failures(key) }, "Reconciler error, will retry");
    return "error";
  }
}
