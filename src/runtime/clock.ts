// Time goes only through a Clock, so tests drive it with FakeClock instead of sleeping.

/** Opaque handle returned by Clock.setTimeout. */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle): void;
}

/** Node clamps longer delays to 1 ms, so longer timers are chained in hops of this size. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The low-level timer functions the system clock sits on (injectable to test the chaining). */
export interface TimerPrimitives {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  /** Monotonic milliseconds, used for deadlines so wall-clock jumps don't shift timers. */
  monotonicNow(): number;
  wallNow(): number;
}

const nodeTimers: TimerPrimitives = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (t) => globalThis.clearTimeout(t as NodeJS.Timeout),
  monotonicNow: () => performance.now(),
  wallNow: () => Date.now(),
};

interface SystemTimer extends TimerHandle {
  inner: unknown;
  active: boolean;
}

let nextSystemId = 1;

export function createSystemClock(p: TimerPrimitives = nodeTimers): Clock {
  const schedule = (t: SystemTimer, deadline: number, fn: () => void): void => {
    const remaining = Math.max(0, deadline - p.monotonicNow());
    if (remaining > MAX_TIMER_DELAY_MS) {
      t.inner = p.setTimeout(() => schedule(t, deadline, fn), MAX_TIMER_DELAY_MS);
      return;
    }
    t.inner = p.setTimeout(() => {
      t.active = false;
      fn();
    }, remaining);
  };
  const timers = new WeakSet<TimerHandle>();
  return {
    now: () => new Date(p.wallNow()),
    setTimeout(fn, ms) {
      const t: SystemTimer = { id: nextSystemId++, inner: undefined, active: true };
      timers.add(t);
      schedule(t, p.monotonicNow() + Math.max(0, ms), fn);
      return t;
    },
    clearTimeout(h) {
      if (!timers.has(h)) return;
      const t = h as SystemTimer;
      if (t.active) p.clearTimeout(t.inner);
      t.active = false;
    },
  };
}

export const systemClock: Clock = createSystemClock();

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/** A manual clock: timers fire synchronously, in due order, when time is moved past them. */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private nextId = 1;

  constructor(start: Date = new Date("2025-01-01T00:00:00Z")) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(h: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== h.id);
  }

  /** Moves time forward, firing every timer that comes due (including ones scheduled on the way). */
  advance(ms: number): void {
    this.set(new Date(this.current + ms));
  }

  /** Jumps to a time; timers due at or before it fire in order. Going backwards fires nothing. */
  set(date: Date): void {
    const target = date.getTime();
    for (let t = this.popDue(target); t; t = this.popDue(target)) {
      this.current = Math.max(this.current, t.due);
      t.fn();
    }
    this.current = target;
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Milliseconds until the next timer fires, or undefined when none is pending. */
  nextTimerInMs(): number | undefined {
    const next = this.earliest();
    return next === undefined ? undefined : Math.max(0, next.due - this.current);
  }

  private earliest(): FakeTimer | undefined {
    // Ties fire in scheduling order (ids grow monotonically).
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }

  private popDue(target: number): FakeTimer | undefined {
    const next = this.earliest();
    if (!next || next.due > target) return undefined;
    this.timers = this.timers.filter((t) => t !== next);
    return next;
  }
}
