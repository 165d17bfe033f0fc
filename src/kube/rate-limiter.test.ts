import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenBucket } from "./rate-limiter.ts";

/** A clock that only moves when the bucket sleeps: the time a run takes is exact. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
    elapsed: () => t,
  };
}

describe("TokenBucket", () => {
  it("lets a burst through at once, then paces at qps", async () => {
    const clock = fakeClock();
    const b = new TokenBucket({ qps: 10, burst: 5 }, clock);
    for (let i = 0; i < 5; i++) await b.take();
    expect(clock.elapsed()).toBe(0);
    for (let i = 0; i < 10; i++) await b.take();
    expect(clock.elapsed()).toBeCloseTo(1000, 6); // 10 more at 10/s
  });

  it("never admits more than burst + qps * elapsed requests", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 120 }), async (qps, burst, n) => {
        const clock = fakeClock();
        const b = new TokenBucket({ qps, burst }, clock);
        await Promise.all(Array.from({ length: n }, () => b.take()));
        expect(n).toBeLessThanOrEqual(burst + (qps * clock.elapsed()) / 1000 + 1e-6);
        // and it waited no longer than needed
        expect(clock.elapsed()).toBeLessThanOrEqual((Math.max(0, n - burst) / qps) * 1000 + 1e-6);
      }),
    );
  });

  it("refuses a limit that admits nothing", () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(/qps > 0/);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(/burst >= 1/);
  });
});
