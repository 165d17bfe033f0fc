import { describe, expect, it } from "vitest";
import { captureLogger } from "../observability/log-capture.ts";
import { FencedError } from "../kube/fence.ts";
import { createMetrics } from "../observability/metrics.ts";
import { FakeClock } from "./clock.ts";
import { Controller, TerminalError, type ReconcileContext, type ReconcileResult } from "./controller.ts";
import { WorkQueue } from "./work-queue.ts";

// Workers yield a turn of the event loop between reconciles: let a few turns pass.
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

type Step = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult> | ReconcileResult;

interface Seen {
  key: string;
  atMs: number;
}

function setup(step: Step, workers = 2) {
  const clock = new FakeClock(new Date(0));
  const queue = new WorkQueue({ clock });
  const logs = captureLogger();
  const metrics = createMetrics();
  const seen: Seen[] = [];
  const controller = new Controller({
    name: "certificate",
    queue,
    workers,
    log: logs.log,
    metrics,
    reconciler: {
      reconcile: async (key, ctx) => {
        seen.push({ key, atMs: clock.now().getTime() });
        return step(key, ctx);
      },
    },
  });
  return { clock, queue, logs, metrics, seen, controller };
}

describe("Controller", () => {
  it("reconciles an enqueued key and looks again after requeueAfterMs", async () => {
    const t = setup(() => ({ requeueAfterMs: 60_000 }));
    t.controller.start();
    t.controller.enqueue("ns/a");
    await flush();
    t.clock.advance(59_999);
    await flush();
    expect(t.seen).toEqual([{ key: "ns/a", atMs: 0 }]);
    t.clock.advance(1);
    await flush();
    expect(t.seen).toEqual([
      { key: "ns/a", atMs: 0 },
      { key: "ns/a", atMs: 60_000 },
    ]);
    await t.controller.stop();
  });

  it("does not requeue a success without requeueAfterMs", async () => {
    const t = setup(() => ({}));
    t.controller.start();
    t.controller.enqueue("ns/a");
    await flush();
    t.clock.advance(3_600_000);
    await flush();
    expect(t.seen).toHaveLength(1);
    expect(t.clock.pendingTimers()).toBe(0);
    await t.controller.stop();
  });

  it("retries errors with exponential back-off, then forgets the failures on success", async () => {
    let calls = 0;
    const t = setup(() => {
      if (++calls <= 3) throw new Error(`CA unreachable (attempt ${calls})`);
      return {};
    });
    t.controller.start();
    t.controller.enqueue("ns/a");
    for (let i = 0; i < 10; i++) {
      await flush();
      t.clock.advance(1000);
    }
    await flush();
    expect(t.seen.map((s) => s.atMs)).toEqual([0, 1000, 3000, 7000]);
    expect(t.queue.failures("ns/a")).toBe(0);

    const errors = t.logs.lines().filter((l) => l.level === "error");
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({
      controller: "certificate",
      namespace: "ns",
      name: "a",
      error: "CA unreachable (attempt 1)",
      failures: 1,
    });
    expect(typeof errors[0]!.reconcileID).toBe("string");
    expect(t.logs.raw.join("")).not.toContain("stack");
    await t.controller.stop();
  });

  it("does not retry a TerminalError until the object is enqueued again", async () => {
    const t = setup(() => {
      throw new TerminalError("spec.duration is below the profile minimum");
    });
    t.controller.start();
    t.controller.enqueue("ns/a");
    await flush();
    t.clock.advance(24 * 3_600_000);
    await flush();
    expect(t.seen).toEqual([{ key: "ns/a", atMs: 0 }]);
    expect(t.queue.failures("ns/a")).toBe(0);

    t.controller.enqueue("ns/a"); // the object changed
    await flush();
    expect(t.seen).toHaveLength(2);
    await t.controller.stop();
  });

  it("runs one reconcile per key at a time, keys in parallel across workers", async () => {
    const active = new Set<string>();
    let maxParallel = 0;
    let overlapSameKey = false;
    const gates: (() => void)[] = [];
    const t = setup(async (key) => {
      if (active.has(key)) overlapSameKey = true;
      active.add(key);
      maxParallel = Math.max(maxParallel, active.size);
      await new Promise<void>((resolve) => gates.push(resolve));
      active.delete(key);
      return {};
    });
    t.controller.start();
    t.controller.enqueue("ns/a");
    t.controller.enqueue("ns/b");
    await flush();
    t.controller.enqueue("ns/a"); // changed while being reconciled
    await flush();
    expect(t.seen.map((s) => s.key)).toEqual(["ns/a", "ns/b"]);
    gates.shift()!(); // finish the first ns/a
    await flush();
    expect(t.seen.map((s) => s.key)).toEqual(["ns/a", "ns/b", "ns/a"]);
    for (const g of gates.splice(0)) g();
    await flush();
    expect(overlapSameKey).toBe(false);
    expect(maxParallel).toBe(2);
    await t.controller.stop();
  });

  it("stop() waits for the in-flight reconcile and takes no new keys", async () => {
    let release!: () => void;
    let finished = false;
    const t = setup(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
      return { requeueAfterMs: 1000 };
    }, 1);
    t.controller.start();
    t.controller.enqueue("ns/a");
    t.controller.enqueue("ns/b");
    await flush();
    let stopped = false;
    const stopping = t.controller.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    t.clock.advance(10_000);
    await flush();
    expect(t.seen.map((s) => s.key)).toEqual(["ns/a"]);
  });

  it("stop({ abort: true }) aborts the signal of in-flight reconciles", async () => {
    let signal: AbortSignal | undefined;
    const t = setup(async (_key, ctx) => {
      signal = ctx.signal;
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      return {};
    });
    t.controller.start();
    t.controller.enqueue("ns/a");
    await flush();
    expect(signal?.aborted).toBe(false);
    await t.controller.stop({ abort: true });
    expect(signal?.aborted).toBe(true);
  });

  it("gives timers and I/O a turn between reconciles that never wait (the Lease renewal must not starve)", async () => {
    let done = 0;
    const t = setup(() => {
      done++;
      return {}; // resolves at once, like a reconcile served from caches
    });
    for (let i = 0; i < 100; i++) t.controller.enqueue(`ns/c${i}`);
    let doneWhenLoopRan: number | undefined;
    setImmediate(() => (doneWhenLoopRan = done));
    t.controller.start();
    while (done < 100) await flush();
    // Without the yield all 100 would finish before the loop runs anything else.
    expect(doneWhenLoopRan).toBeLessThanOrEqual(2 * 2); // a couple per worker
    await t.controller.stop();
  });

  it("can be started again after stop: a new signal, the resync keys queued", async () => {
    const signals: AbortSignal[] = [];
    const keys = ["ns/a", "ns/b"];
    const clock = new FakeClock(new Date(0));
    const queue = new WorkQueue({ clock });
    const seen: string[] = [];
    const controller = new Controller({
      name: "certificate", queue, log: captureLogger().log, resync: () => keys,
      reconciler: { reconcile: (key, ctx) => (seen.push(key), signals.push(ctx.signal), Promise.resolve({})) },
    });
    controller.start();
    await flush();
    await controller.stop({ abort: true });
    controller.enqueue("ns/c"); // dropped: the queue is shut down
    keys.push("ns/c");
    controller.start();
    await flush();
    expect(seen.sort()).toEqual(["ns/a", "ns/a", "ns/b", "ns/b", "ns/c"]);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals.at(-1)!.aborted).toBe(false);
    await controller.stop();
  });

  it("starts no reconcile while the fence is shut, and counts it as aborted", async () => {
    let open = false;
    const fence = { check: () => { if (!open) throw new FencedError("not the leader"); }, signal: undefined };
    const clock = new FakeClock(new Date(0));
    const metrics = createMetrics();
    const seen: string[] = [];
    const controller = new Controller({
      name: "certificate", queue: new WorkQueue({ clock }), log: captureLogger().log, metrics, fence,
      reconciler: { reconcile: (key) => (seen.push(key), Promise.resolve({})) },
    });
    controller.start();
    controller.enqueue("ns/a");
    await flush();
    expect(seen).toEqual([]);
    expect(await metrics.registry.metrics()).toContain('certwright_controller_reconcile_total{controller="certificate",result="aborted"} 1');
    open = true;
    controller.enqueue("ns/a");
    await flush();
    expect(seen).toEqual(["ns/a"]);
    await controller.stop();
  });

  it("counts reconciles by result", async () => {
    const results: (() => ReconcileResult)[] = [
      () => ({}),
      () => ({ requeueAfterMs: 5 }),
      () => {
        throw new Error("boom");
      },
      () => {
        throw new TerminalError("bad spec");
      },
    ];
    const t = setup((key) => results[Number(key)]!());
    t.controller.start();
    for (const k of ["0", "1", "2", "3"]) t.controller.enqueue(k);
    await flush();
    await t.controller.stop();
    const text = await t.metrics.registry.metrics();
    for (const result of ["success", "requeue_after", "error", "terminal_error"]) {
      expect(text).toContain(`certwright_controller_reconcile_total{controller="certificate",result="${result}"} 1`);
    }
    expect(text).toContain('certwright_controller_reconcile_errors_total{controller="certificate"} 2');
    expect(text).toContain('certwright_controller_reconcile_duration_seconds_count{controller="certificate"} 4');
  });
});
