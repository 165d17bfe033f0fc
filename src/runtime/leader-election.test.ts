import { describe, expect, it, vi } from "vitest";
import { FencedError, isFenced } from "../kube/fence.ts";
import { fromMicroTime, toMicroTime, type LeaseRecord, type LeaseStore, type StoredLease } from "../kube/lease-store.ts";
import { FakeClock } from "./clock.ts";
import { LeaderElector, type LeaderElectionOptions } from "./leader-election.ts";

type Mode = "ok" | "fail" | "hang";

/** One Lease in memory with optimistic concurrency; each replica gets its own view to break. */
class MemoryLease {
  lease: StoredLease | undefined;
  writes: { who: string; at: number; record: LeaseRecord }[] = [];
  private version = 0;
  private readonly clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  view(who: string): LeaseStore & { mode: Mode } {
    const view = {
      mode: "ok" as Mode,
      description: "test/lease",
      get: async (signal?: AbortSignal) => {
        await this.gate(view.mode, signal);
        return this.lease ? { ...this.lease, record: { ...this.lease.record } } : undefined;
      },
      create: async (record: LeaseRecord, signal?: AbortSignal) => {
        await this.gate(view.mode, signal);
        if (this.lease) throw new Error("AlreadyExists");
        return this.write(who, record);
      },
      update: async (record: LeaseRecord, version: string, signal?: AbortSignal) => {
        await this.gate(view.mode, signal);
        if (this.lease?.version !== version) throw new Error("Conflict");
        return this.write(who, record);
      },
    };
    return view;
  }

  private gate(mode: Mode, signal?: AbortSignal): Promise<void> | undefined {
    if (mode === "fail") return Promise.reject(new Error("connection refused"));
    if (mode === "hang") return new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted"))));
    return undefined;
  }

  private write(who: string, record: LeaseRecord): StoredLease {
    this.lease = { record: { ...record }, version: String(++this.version) };
    this.writes.push({ who, at: this.clock.now().getTime(), record: { ...record } });
    return { ...this.lease, record: { ...record } };
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Moves the fake clock in small steps, letting the async store calls settle in between. */
async function advance(clock: FakeClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

function setup() {
  const clock = new FakeClock(new Date("2026-01-01T00:00:00Z"));
  const lease = new MemoryLease(clock);
  const make = (who: string, extra: Partial<LeaderElectionOptions> = {}) => {
    const store = lease.view(who);
    const elector = new LeaderElector({ store, identity: who, clock, random: () => 0, ...extra });
    const lost: number[] = [];
    elector.onLost(() => lost.push(clock.now().getTime()));
    return { store, elector, lost };
  };
  return { clock, lease, make, t0: clock.now().getTime() };
}

async function acquireNow(clock: FakeClock, e: LeaderElector): Promise<void> {
  const p = e.acquire(new AbortController().signal);
  await flush();
  await p;
}

describe("LeaderElector", () => {
  it("creates the Lease when absent and renews it every retry period", async () => {
    const { clock, lease, make, t0 } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    expect(a.elector.isLeader()).toBe(true);
    expect(lease.lease?.record).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(lease.lease?.record.acquireTime?.getTime()).toBe(t0);
    await advance(clock, 6_000);
    expect(lease.writes.map((w) => w.at - t0)).toEqual([0, 2_000, 4_000, 6_000]);
    expect(lease.lease?.record.acquireTime?.getTime()).toBe(t0); // renewals keep acquireTime
    expect(lease.lease?.record.renewTime?.getTime()).toBe(t0 + 6_000);
    expect(a.lost).toEqual([]);
  });

  it("a follower waits while the leader renews", async () => {
    const { clock, make } = setup();
    const a = make("a");
    const b = make("b");
    await acquireNow(clock, a.elector);
    let bLeads = false;
    void b.elector.acquire(new AbortController().signal).then(() => (bLeads = true));
    await advance(clock, 60_000, 250);
    expect(bLeads).toBe(false);
    expect(a.elector.isLeader()).toBe(true);
  });

  it("a leader that cannot renew gives up at renewDeadline and stops writing; a follower takes over after leaseDuration", async () => {
    const { clock, lease, make, t0 } = setup();
    const a = make("a");
    const b = make("b");
    await acquireNow(clock, a.elector);
    let bLeadsAt: number | undefined;
    void b.elector.acquire(new AbortController().signal).then(() => (bLeadsAt = clock.now().getTime()));
    await advance(clock, 4_000); // renewed at +2 s and +4 s
    a.store.mode = "fail"; // partitioned from the API server from here on, without releasing
    const lastRenew = t0 + 4_000;
    await advance(clock, 30_000);
    expect(a.lost).toEqual([lastRenew + 10_000]);
    expect(a.elector.isLeader()).toBe(false);
    expect(lease.writes.filter((w) => w.who === "a").every((w) => w.at <= lastRenew)).toBe(true);
    // b last saw the record change at +4 s, so it may take over from +19 s (retries every 2 s).
    expect(bLeadsAt).toBeGreaterThanOrEqual(lastRenew + 15_000);
    expect(bLeadsAt).toBeLessThanOrEqual(lastRenew + 15_000 + 2_000);
    expect(bLeadsAt! - a.lost[0]!).toBeGreaterThanOrEqual(5_000); // the old leader stopped well before
    expect(lease.lease?.record).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  it("a renew request that hangs is aborted at the deadline", async () => {
    const { clock, lease, make, t0 } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    a.store.mode = "hang";
    await advance(clock, 12_000);
    expect(a.lost).toEqual([t0 + 10_000]);
    a.store.mode = "ok";
    await advance(clock, 10_000);
    expect(lease.writes.map((w) => w.who)).toEqual(["a"]);
  });

  it("keeps leading through failures shorter than renewDeadline", async () => {
    const { clock, make } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    a.store.mode = "fail";
    await advance(clock, 7_000);
    a.store.mode = "ok";
    await advance(clock, 20_000);
    expect(a.lost).toEqual([]);
    expect(a.elector.isLeader()).toBe(true);
  });

  it("loses at once when the lease has another holder", async () => {
    const { clock, lease, make, t0 } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    const intruder = lease.view("x");
    const cur = (await intruder.get())!;
    await intruder.update({ ...cur.record, holderIdentity: "x" }, cur.version);
    await advance(clock, 2_000);
    expect(a.lost).toEqual([t0 + 2_000]);
    expect(lease.lease?.record.holderIdentity).toBe("x");
  });

  it("release hands the lease over without waiting for leaseDuration", async () => {
    const { clock, lease, make, t0 } = setup();
    const a = make("a");
    const b = make("b");
    await acquireNow(clock, a.elector);
    let bLeadsAt: number | undefined;
    void b.elector.acquire(new AbortController().signal).then(() => (bLeadsAt = clock.now().getTime()));
    await flush();
    await advance(clock, 3_000);
    await a.elector.release();
    expect(lease.lease?.record.holderIdentity).toBe("");
    await advance(clock, 3_000);
    expect(bLeadsAt).toBe(t0 + 4_000); // b's next retry after the release
    expect(a.lost).toEqual([]); // giving up on purpose is not a loss
    expect(lease.lease?.record).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  it("acquire rejects when aborted, and retries with jitter", async () => {
    const { clock, lease, make } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    const b = make("b", { random: () => 0.5 });
    const ac = new AbortController();
    const reads: number[] = [];
    const get = b.store.get.bind(b.store);
    b.store.get = (s) => {
      reads.push(clock.now().getTime());
      return get(s);
    };
    const p = b.elector.acquire(ac.signal);
    await flush();
    await advance(clock, 7_000);
    expect(reads.slice(1).map((t, i) => t - reads[i]!)).toEqual([3_200, 3_200]); // 2 s * (1 + 1.2 * 0.5)
    ac.abort(new Error("stopping"));
    await expect(p).rejects.toThrow("stopping");
    expect(lease.lease?.record.holderIdentity).toBe("a");
  });

  it("hands the lease back when it is won just as acquire is aborted", async () => {
    const { clock, lease, make } = setup();
    const a = make("a");
    let letGo = () => {};
    const get = a.store.get.bind(a.store);
    const held = new Promise<void>((r) => (letGo = r));
    a.store.get = async (s) => {
      await held; // the first read is still in flight when acquire is aborted
      return get(s);
    };
    const ac = new AbortController();
    const p = a.elector.acquire(ac.signal);
    ac.abort(new Error("stopping"));
    await expect(p).rejects.toThrow("stopping");
    letGo();
    await flush();
    expect(lease.writes.map((w) => w.record.holderIdentity)).toEqual(["a", ""]);
    expect(a.elector.isLeader()).toBe(false);
    await advance(clock, 10_000);
    expect(lease.writes).toHaveLength(2);
  });

  it("the fence lets writes through only while the last renewal is younger than renewDeadline", async () => {
    const { clock, make } = setup();
    const a = make("a");
    expect(() => a.elector.fence.check()).toThrow(FencedError); // a candidate never writes
    expect(a.elector.fence.signal).toBeUndefined();
    await acquireNow(clock, a.elector);
    const term = a.elector.fence.signal!;
    expect(() => a.elector.fence.check()).not.toThrow();
    a.store.mode = "fail";
    await advance(clock, 9_900);
    expect(() => a.elector.fence.check()).not.toThrow();
    expect(term.aborted).toBe(false);
    await advance(clock, 100);
    expect(a.lost).toHaveLength(1);
    expect(term.aborted).toBe(true);
    expect(isFenced(term.reason)).toBe(true);
    expect(() => a.elector.fence.check()).toThrow(FencedError);
  });

  it("a paused leader refuses writes on resume, before its timers have fired", async () => {
    const { clock, make, t0 } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    const term = a.elector.fence.signal!;
    // SIGSTOP for 20 s, then SIGCONT: the clock reads 20 s later, but no timer of ours has run yet
    // (I/O callbacks run before timers when the loop wakes up).
    vi.spyOn(clock, "now").mockReturnValue(new Date(t0 + 20_000));
    try {
      expect(clock.pendingTimers()).toBeGreaterThan(0);
      expect(a.lost).toEqual([]);
      expect(() => a.elector.fence.check()).toThrow(/renew deadline/);
      await flush();
      expect(a.lost).toHaveLength(1); // the check itself ended the term
      expect(term.aborted).toBe(true);
      expect(a.elector.isLeader()).toBe(false);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("after a loss the elector can acquire again: a new term with a new signal", async () => {
    const { clock, lease, make } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    const first = a.elector.fence.signal!;
    a.store.mode = "fail";
    await advance(clock, 11_000);
    expect(a.lost).toHaveLength(1);
    a.store.mode = "ok";
    const again = a.elector.acquire(new AbortController().signal);
    await advance(clock, 20_000, 250);
    await again;
    // Nobody took the lease meanwhile: it still names us, so we renew it and lead at once.
    expect(a.elector.isLeader()).toBe(true);
    expect(lease.lease?.record).toMatchObject({ holderIdentity: "a", leaseTransitions: 0 });
    expect(first.aborted).toBe(true);
    expect(a.elector.fence.signal?.aborted).toBe(false);
    expect(() => a.elector.fence.check()).not.toThrow();
  });

  it("acquire backs off, capped, while the API server is down, and leads soon after it is back", async () => {
    const { clock, make } = setup();
    const a = make("a");
    a.store.mode = "fail";
    const reads: number[] = [];
    const get = a.store.get.bind(a.store);
    a.store.get = (s) => {
      reads.push(clock.now().getTime());
      return get(s);
    };
    const p = a.elector.acquire(new AbortController().signal);
    await flush();
    await advance(clock, 60_000, 250);
    const gaps = reads.slice(1).map((t, i) => t - reads[i]!);
    expect(gaps.slice(0, 4)).toEqual([2_000, 4_000, 8_000, 8_000]); // retryPeriod doubling, capped at 4 * retryPeriod
    expect(Math.max(...gaps)).toBe(8_000);
    a.store.mode = "ok";
    await advance(clock, 8_000, 250);
    await p;
    expect(a.elector.isLeader()).toBe(true);
  });

  it("an acquire answered only after renewDeadline renews at once before it leads", async () => {
    const { clock, lease, make, t0 } = setup();
    const a = make("a");
    let slow = true;
    const get = a.store.get.bind(a.store);
    a.store.get = async (s) => {
      if (slow) {
        slow = false;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 12_000)); // a server just coming back
      }
      return get(s);
    };
    let ledAt: number | undefined;
    void a.elector.acquire(new AbortController().signal).then(() => (ledAt = clock.now().getTime()));
    await advance(clock, 13_000);
    expect(ledAt).toBe(t0 + 12_000);
    expect(lease.writes.map((w) => w.at - t0)).toEqual([12_000, 12_000]); // created late, then renewed at once
    expect(() => a.elector.fence.check()).not.toThrow();
    expect(a.lost).toEqual([]);
  });

  it("renews in one round trip (no read) while nobody else writes the Lease", async () => {
    const { clock, lease, make } = setup();
    const a = make("a");
    await acquireNow(clock, a.elector);
    let reads = 0;
    const get = a.store.get.bind(a.store);
    a.store.get = (s) => {
      reads++;
      return get(s);
    };
    await advance(clock, 10_000);
    expect(lease.writes.filter((w) => w.who === "a")).toHaveLength(6);
    expect(reads).toBe(0);
  });

  it("refuses timings where the leader could outlive its lease", () => {
    const { clock, lease } = setup();
    const store = lease.view("a");
    expect(() => new LeaderElector({ store, identity: "a", clock, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(/leaseDuration/);
    expect(() => new LeaderElector({ store, identity: "a", clock, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/retryPeriod/);
  });
});

describe("V1MicroTime", () => {
  it("writes six fraction digits and reads any number back", () => {
    expect(toMicroTime(new Date("2026-01-01T00:00:00Z"))).toBe("2026-01-01T00:00:00.000000Z");
    expect(toMicroTime(new Date("2026-01-01T00:00:00.123Z"))).toBe("2026-01-01T00:00:00.123000Z");
    expect(fromMicroTime("2026-01-01T00:00:00.123456Z")?.toISOString()).toBe("2026-01-01T00:00:00.123Z");
    expect(fromMicroTime("2026-01-01T00:00:00Z")?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(fromMicroTime("2026-01-01T01:00:00.5+01:00")?.toISOString()).toBe("2026-01-01T00:00:00.500Z");
    expect(fromMicroTime("yesterday")).toBeUndefined();
    expect(fromMicroTime(undefined)).toBeUndefined();
  });
});
