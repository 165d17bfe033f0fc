import { describe, expect, it } from "vitest";
import { FakeClock } from "./clock.ts";
import { WorkQueue } from "./work-queue.ts";

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(opts: { baseDelayMs?: number; maxDelayMs?: number } = {}): { clock: FakeClock; q: WorkQueue } {
  const clock = new FakeClock();
  return { clock, q: new WorkQueue({ clock, ...opts }) };
}

describe("WorkQueue", () => {
  it("de-duplicates keys that are waiting", async () => {
    const { q } = setup();
    q.add("ns/a");
    q.add("ns/b");
    q.add("ns/a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("ns/a");
    expect(await q.get()).toBe("ns/b");
    expect(q.len()).toBe(0);
  });

  it("never hands a key being processed to a second worker", async () => {
    const { q } = setup();
    q.add("ns/a");
    expect(await q.get()).toBe("ns/a");
    q.add("ns/a");
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flush();
    expect(second).toBeUndefined();
    expect(q.len()).toBe(0);
    q.done("ns/a");
    await flush();
    expect(second).toBe("ns/a");
  });

  it("re-queues a key re-added during processing only once, after done", async () => {
    const { q } = setup();
    q.add("k");
    await q.get();
    q.add("k");
    q.add("k");
    q.done("k");
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("k");
    q.done("k");
    expect(q.len()).toBe(0);
  });

  it("hands a new key straight to a waiting worker", async () => {
    const { q } = setup();
    const got = q.get();
    q.add("k");
    expect(await got).toBe("k");
  });

  it("addAfter keeps the earliest pending time per key", () => {
    const { clock, q } = setup();
    q.addAfter("k", 10_000);
    q.addAfter("k", 5_000);
    q.addAfter("k", 20_000);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(4_999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(60_000);
    expect(q.len()).toBe(1);
  });

  it("addAfter with no delay adds at once", () => {
    const { q } = setup();
    q.addAfter("k", 0);
    expect(q.len()).toBe(1);
  });

  it("backs off exponentially per key, caps, and forget resets", async () => {
    const { clock, q } = setup({ baseDelayMs: 1000, maxDelayMs: 8000 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      q.addRateLimited("k");
      delays.push(clock.nextTimerInMs()!);
      clock.advance(delays.at(-1)!);
      expect(q.len()).toBe(1);
      // Take and finish it so the next retry is a fresh delayed add.
      q.done((await q.get())!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(q.failures("k")).toBe(6);
    expect(q.failures("other")).toBe(0);
    q.forget("k");
    q.addRateLimited("k");
    expect(clock.nextTimerInMs()).toBe(1000);
  });

  it("defaults to 1 s doubling, capped at 5 minutes", () => {
    const { clock, q } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 11; i++) {
      q.addRateLimited("k");
      delays.push(clock.nextTimerInMs()!);
      clock.advance(delays.at(-1)!);
    }
    expect(delays.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(delays.at(-1)).toBe(300_000);
    expect(delays[8]).toBe(256_000);
    expect(delays[9]).toBe(300_000);
  });

  it("shutDown releases waiting workers, drops delayed keys and ignores new adds", async () => {
    const { clock, q } = setup();
    const waiting = q.get();
    q.addAfter("later", 1000);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    q.add("k");
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.isShuttingDown()).toBe(true);
  });
});
