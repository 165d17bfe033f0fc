import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Semaphore", () => {
  it("runs at most limit tasks at once and queues the rest in order", async () => {
    const sem = new Semaphore(2);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      sem.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(sem.waiting).toBe(1);
    gates[0]!.resolve();
    await runs[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(sem.active).toBe(0);
  });

  it("releases the slot when a task fails", async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await sem.run(() => Promise.resolve(42))).toBe(42);
  });

  it("raising the limit starts queued tasks", async () => {
    const sem = new Semaphore(1);
    const gate = deferred();
    const first = sem.run(() => gate.promise);
    let secondStarted = false;
    const second = sem.run(() => {
      secondStarted = true;
      return Promise.resolve();
    });
    await Promise.resolve();
    expect(secondStarted).toBe(false);
    sem.setLimit(2);
    await second;
    expect(secondStarted).toBe(true);
    gate.resolve();
    await first;
  });

  it("rejects a non-positive or fractional limit", () => {
    expect(() => new Semaphore(0)).toThrow(/positive integer/);
    expect(() => new Semaphore(1.5)).toThrow(/positive integer/);
  });
});
