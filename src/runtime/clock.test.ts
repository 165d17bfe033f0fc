import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeClock, MAX_TIMER_DELAY_MS, createSystemClock, systemClock, type TimerPrimitives } from "./clock.ts";

const DAY = 86_400_000;
const YEAR = 365 * DAY;

describe("FakeClock", () => {
  it("fires due timers in time order, synchronously, and moves now() along", () => {
    const clock = new FakeClock(new Date("2030-01-01T00:00:00Z"));
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now().toISOString()}`), 2000);
    clock.setTimeout(() => fired.push(`a@${clock.now().toISOString()}`), 1000);
    clock.setTimeout(() => fired.push("c"), 5000);
    clock.advance(2000);
    expect(fired).toEqual(["a@2030-01-01T00:00:01.000Z", "b@2030-01-01T00:00:02.000Z"]);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.now().toISOString()).toBe("2030-01-01T00:00:02.000Z");
  });

  it("fires timers scheduled by other timers when they fall inside the advance", () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(1);
      clock.setTimeout(() => fired.push(2), 500);
    }, 500);
    clock.advance(1000);
    expect(fired).toEqual([1, 2]);
  });

  it("fires ties in scheduling order and honours clearTimeout", () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("first"), 10);
    const h = clock.setTimeout(() => fired.push("cancelled"), 10);
    clock.setTimeout(() => fired.push("second"), 10);
    clock.clearTimeout(h);
    clock.advance(10);
    expect(fired).toEqual(["first", "second"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("set() jumps and fires what is due; going back fires nothing", () => {
    const clock = new FakeClock(new Date("2030-01-01T00:00:00Z"));
    let fired = 0;
    clock.setTimeout(() => fired++, DAY);
    clock.set(new Date("2029-01-01T00:00:00Z"));
    expect(fired).toBe(0);
    clock.set(new Date("2030-06-01T00:00:00Z"));
    expect(fired).toBe(1);
    expect(clock.now().toISOString()).toBe("2030-06-01T00:00:00.000Z");
  });
});

describe("system clock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not fire a timer a year ahead early (Node clamps > 2^31-1 ms to 1 ms)", () => {
    // vitest's fake timers reproduce Node's clamping, so an unchained timer would fire at once.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    let fired = false;
    systemClock.setTimeout(() => (fired = true), YEAR);
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(YEAR - 1001);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
  });

  it("can cancel a chained timer after its first hop", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    let fired = false;
    const h = systemClock.setTimeout(() => (fired = true), YEAR);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 1000);
    systemClock.clearTimeout(h);
    vi.advanceTimersByTime(YEAR);
    expect(fired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never asks the platform for a delay above the limit", () => {
    let now = 0;
    const pending: { at: number; fn: () => void }[] = [];
    const delays: number[] = [];
    const p: TimerPrimitives = {
      setTimeout: (fn, ms) => {
        delays.push(ms);
        const t = { at: now + (ms > MAX_TIMER_DELAY_MS ? 1 : ms), fn };
        pending.push(t);
        return t;
      },
      clearTimeout: (t) => pending.splice(pending.indexOf(t as (typeof pending)[0]), 1),
      monotonicNow: () => now,
      wallNow: () => now,
    };
    const clock = createSystemClock(p);
    let firedAt: number | undefined;
    clock.setTimeout(() => (firedAt = now), 3 * YEAR);
    while (pending.length > 0) {
      const t = pending.shift()!;
      now = t.at;
      t.fn();
    }
    expect(firedAt).toBe(3 * YEAR);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
  });
});
