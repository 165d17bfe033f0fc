import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore.ts";

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("Semaphore", () => {
  it("bounds concurrency and hands slots over in order", async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const jobs = [1, 2, 3, 4].map((n) =>
      sem.run(async () => {
        order.push(n);
        await new Promise<void>((resolve) => gates.push(resolve));
      }),
    );
    await flush();
    expect(order).toEqual([1, 2]);
    expect(sem.inUse).toBe(2);
    expect(sem.waiting).toBe(2);
    gates.shift()!();
    await flush();
    expect(order).toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      gates.shift()!();
      await flush();
    }
    await Promise.all(jobs);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(sem.inUse).toBe(0);
  });

  it("ignores a double release and drops aborted waiters", async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const ac = new AbortController();
    const aborted = sem.acquire(ac.signal);
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(sem.waiting).toBe(0);
    release();
    release();
    expect(sem.inUse).toBe(0);
    await sem.acquire();
    expect(sem.inUse).toBe(1);
  });
});
