import { describe, expect, it } from "vitest";
import { captureLogger } from "../observability/log-capture.ts";
import { createMetrics } from "../observability/metrics.ts";
import { FakeClock } from "./clock.ts";
import { Controller } from "./controller.ts";
import { Manager, type LeaderGate, type Startable } from "./manager.ts";
import { WorkQueue } from "./work-queue.ts";

// Workers yield a turn of the event loop between reconciles: let a few turns pass.
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

class FakeSource implements Startable {
  synced = false;
  running = false;
  private readonly journal: string[];
  constructor(journal: string[]) {
    this.journal = journal;
  }
  start(): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.running = false;
    this.journal.push("source stopped");
    return Promise.resolve();
  }
  hasSynced(): boolean {
    return this.synced;
  }
}

class FakeGate implements LeaderGate {
  private grant: (() => void) | undefined;
  private lost: (() => void)[] = [];
  acquiring = false;
  acquireCalls = 0;
  released = false;
  private readonly journal: string[];
  constructor(journal: string[]) {
    this.journal = journal;
  }
  acquire(signal: AbortSignal): Promise<void> {
    this.acquiring = true;
    this.acquireCalls++;
    return new Promise((resolve, reject) => {
      this.grant = () => {
        this.acquiring = false;
        resolve();
      };
      signal.addEventListener("abort", () => reject(new Error("aborted")));
    });
  }
  onLost(cb: () => void): void {
    this.lost.push(cb);
  }
  release(): Promise<void> {
    this.released = true;
    this.journal.push("lease released");
    return Promise.resolve();
  }
  win(): void {
    this.grant?.();
  }
  lose(): void {
    for (const cb of this.lost) cb();
  }
}

function setup(opts: { gate?: boolean; syncTimeoutMs?: number } = {}) {
  const journal: string[] = [];
  const clock = new FakeClock(new Date(0));
  const { log } = captureLogger();
  const metrics = createMetrics();
  const queue = new WorkQueue({ clock });
  const reconciled: number[] = [];
  const keys = new Set<string>();
  const controller = new Controller({
    name: "certificate",
    queue,
    log,
    resync: () => keys,
    reconciler: {
      reconcile: () => {
        reconciled.push(clock.now().getTime());
        return Promise.resolve({ requeueAfterMs: 60_000 });
      },
    },
  });
  const source = new FakeSource(journal);
  const gate = new FakeGate(journal);
  let lostReported = 0;
  const manager = new Manager({
    sources: [source],
    controllers: [controller],
    log,
    clock,
    metrics,
    syncTimeoutMs: opts.syncTimeoutMs,
    leaderGate: opts.gate === false ? undefined : gate,
    onLeadershipLost: () => lostReported++,
  });
  return { journal, clock, metrics, controller, source, gate, manager, reconciled, keys, lostReported: () => lostReported };
}

describe("Manager", () => {
  it("starts controllers only after caches sync and leadership is won", async () => {
    const t = setup();
    t.controller.enqueue("ns/a"); // informer events arrive before we lead
    const started = t.manager.start();
    await flush();
    expect(t.source.running).toBe(true);
    expect(t.manager.phase).toBe("syncing");
    expect(t.manager.isReady()).toBe(false);

    t.clock.advance(1000);
    await flush();
    expect(t.gate.acquiring).toBe(false);

    t.source.synced = true;
    t.clock.advance(100);
    await flush();
    expect(t.manager.phase).toBe("electing");
    expect(t.manager.isReady()).toBe(true); // non-leaders are ready too
    expect(t.reconciled).toEqual([]);

    t.clock.advance(5000);
    t.gate.win();
    await started;
    await flush();
    expect(t.manager.phase).toBe("running");
    expect(t.manager.isLeader()).toBe(true);
    expect(t.reconciled).toEqual([6100]);
    expect(await t.metrics.registry.getSingleMetricAsString("certwright_leader")).toContain("certwright_leader 1");
    await t.manager.stop();
  });

  it("runs without a leader gate", async () => {
    const t = setup({ gate: false });
    t.source.synced = true;
    t.controller.enqueue("ns/a");
    await t.manager.start();
    await flush();
    expect(t.reconciled).toEqual([0]);
    await t.manager.stop();
  });

  it("stops reconciling at once when leadership is lost, stays healthy and goes back to candidate", async () => {
    const t = setup();
    t.source.synced = true;
    const started = t.manager.start();
    await flush();
    t.gate.win();
    await started;
    t.controller.enqueue("ns/a");
    await flush();
    expect(t.reconciled).toEqual([0]);

    t.gate.lose();
    expect(t.lostReported()).toBe(1);
    expect(t.manager.isHealthy()).toBe(true); // liveness stays green while a candidate
    expect(t.manager.isLeader()).toBe(false);
    t.controller.enqueue("ns/b");
    t.clock.advance(10 * 60_000); // past the requeueAfter of ns/a
    await flush();
    expect(t.reconciled).toEqual([0]);
    expect(await t.metrics.registry.getSingleMetricAsString("certwright_leader")).toContain("certwright_leader 0");
    expect(t.gate.acquireCalls).toBe(2);
    expect(t.manager.phase).toBe("electing");
    await t.manager.stop();
    expect(t.gate.released).toBe(false); // we no longer hold it
  });

  it("leads again after a loss: controllers restart and look at every object again", async () => {
    const t = setup();
    t.source.synced = true;
    t.keys.add("ns/a").add("ns/b");
    const started = t.manager.start();
    await flush();
    t.gate.win();
    await started;
    await flush();
    expect(t.reconciled).toHaveLength(2);
    t.gate.lose();
    t.controller.enqueue("ns/c"); // dropped while not leading...
    t.keys.add("ns/c"); // ...but the informer has it
    await flush();
    expect(t.manager.terms).toBe(1);
    t.clock.advance(1000);
    t.gate.win();
    await flush();
    expect(t.manager.terms).toBe(2);
    expect(t.manager.isLeader()).toBe(true);
    expect(t.manager.phase).toBe("running");
    expect(t.reconciled).toEqual([0, 0, 1000, 1000, 1000]);
    expect(await t.metrics.registry.getSingleMetricAsString("certwright_leader")).toContain("certwright_leader 1");
    await t.manager.stop();
    expect(t.gate.released).toBe(true);
  });

  it("names the reconciles that hold a lost term's stop up, and starts no new term until they end", async () => {
    const journal: string[] = [];
    const clock = new FakeClock(new Date(0));
    const capture = captureLogger();
    let finish!: () => void;
    const controller = new Controller({
      name: "certificate", queue: new WorkQueue({ clock }), log: capture.log, resync: () => ["ns/stuck"],
      reconciler: { reconcile: () => new Promise((resolve) => (finish = () => resolve({}))) }, // ignores its signal
    });
    const gate = new FakeGate(journal);
    const manager = new Manager({ sources: [], controllers: [controller], log: capture.log, clock, leaderGate: gate });
    const started = manager.start();
    await flush();
    gate.win();
    await started;
    await flush();
    gate.lose();
    clock.advance(5_000);
    expect(capture.raw.join("")).toMatch(/Controllers still stopping.*certificate:ns\/stuck|certificate:ns\/stuck.*Controllers still stopping/);
    expect(gate.acquireCalls).toBe(1); // not a candidate again while a reconcile of the old term runs
    finish();
    await flush();
    expect(gate.acquireCalls).toBe(2);
    expect(clock.pendingTimers()).toBe(0);
    await manager.stop();
  });

  it("a new term waits until every source is current again", async () => {
    const t = setup();
    t.keys.add("ns/a");
    let current!: () => void;
    let currentCalls = 0;
    const source: Startable = {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      hasSynced: () => true,
      waitUntilCurrent: () => {
        currentCalls++;
        return currentCalls === 1 ? Promise.resolve() : new Promise<void>((resolve) => (current = resolve));
      },
    };
    const { log } = captureLogger();
    const manager = new Manager({ sources: [source], controllers: [t.controller], log, clock: t.clock, leaderGate: t.gate });
    const started = manager.start();
    await flush();
    t.gate.win();
    await started;
    await flush();
    expect(t.reconciled).toHaveLength(1);
    t.gate.lose();
    await flush();
    t.gate.win();
    await flush();
    expect(manager.isLeader()).toBe(true);
    expect(manager.terms).toBe(1); // leading, but the cache may be behind: no reconcile yet
    expect(t.reconciled).toHaveLength(1);
    current();
    await flush();
    expect(manager.terms).toBe(2);
    expect(t.reconciled).toHaveLength(2);
    await manager.stop();
  });

  it("shuts down gracefully: controllers, then the lease, then sources", async () => {
    const t = setup();
    t.source.synced = true;
    const started = t.manager.start();
    await flush();
    t.gate.win();
    await started;
    await t.manager.stop();
    expect(t.journal).toEqual(["lease released", "source stopped"]);
    expect(t.manager.phase).toBe("stopped");
    expect(t.manager.isReady()).toBe(false);
  });

  it("stop() while waiting for leadership never starts controllers", async () => {
    const t = setup();
    t.source.synced = true;
    t.controller.enqueue("ns/a");
    const started = t.manager.start();
    await flush();
    await t.manager.stop();
    await started;
    t.gate.win();
    await flush();
    expect(t.reconciled).toEqual([]);
    expect(t.gate.released).toBe(false);
    expect(t.source.running).toBe(false);
  });

  it("fails start() when caches do not sync in time", async () => {
    const t = setup({ syncTimeoutMs: 10_000 });
    const started = t.manager.start();
    await flush();
    t.clock.advance(10_000);
    await expect(started).rejects.toThrow(/caches to sync/);
    await t.manager.stop();
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it("uses waitForSync when a source offers it", async () => {
    const t = setup({ gate: false });
    let synced!: () => void;
    const source: Startable = {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      waitForSync: () => new Promise<void>((resolve) => (synced = resolve)),
    };
    const { log } = captureLogger();
    const manager = new Manager({ sources: [source], controllers: [t.controller], log, clock: t.clock });
    t.controller.enqueue("ns/a");
    const started = manager.start();
    await flush();
    expect(t.reconciled).toEqual([]);
    synced();
    await started;
    await flush();
    expect(t.reconciled).toEqual([0]);
    await manager.stop();
  });
});
