// The controller loop: N workers take keys from the queue and reconcile them, one worker per key.
// Success forgets the back-off (and requeues when asked), an Error retries with back-off,
// a TerminalError waits until the object changes (a new enqueue from the informer).
import { randomUUID } from "node:crypto";
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
  /** Aborted when the controller must stop at once (lost leadership): make no more writes. */
  signal: AbortSignal;
}

export interface Reconciler {
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult>;
}

export type ReconcileOutcome = "success" | "requeue_after" | "error" | "terminal_error";

export type ControllerMetrics = Pick<Metrics, "reconcileTotal" | "reconcileErrors" | "reconcileDuration">;

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  queue: WorkQueue;
  workers?: number;
  log: Logger;
  metrics?: ControllerMetrics;
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
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  private started = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.reconciler = opts.reconciler;
    this.queue = opts.queue;
    this.workerCount = Math.max(1, opts.workers ?? 2);
    this.log = opts.log.child({ controller: opts.name });
    this.metrics = opts.metrics;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.log.info({ workers: this.workerCount }, "Starting workers");
    for (let i = 0; i < this.workerCount; i++) this.workers.push(this.runWorker());
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.queue.shutDown();
    if (opts.abort) this.abort.abort(new Error(`controller ${this.name} stopped`));
    await Promise.all(this.workers);
    if (this.started) this.log.info("Stopped workers");
  }

  private async runWorker(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const reconcileID = randomUUID();
    const log = this.log.child({ ...splitKey(key), reconcileID });
    const endTimer = this.metrics?.reconcileDuration.startTimer({ controller: this.name });
    let outcome: ReconcileOutcome;
    try {
      const result = await this.reconciler.reconcile(key, { reconcileID, log, signal: this.abort.signal });
      outcome = this.onSuccess(key, result);
    } catch (err) {
      outcome = this.onError(key, err, log);
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
