import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { monitorEventLoop } from "./event-loop.ts";

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the loop cannot run timers meanwhile
  }
}

const turns = (n: number) => new Promise<void>((resolve) => {
  let left = n;
  const step = () => (--left <= 0 ? resolve() : setTimeout(step, 5));
  setTimeout(step, 5);
});

describe("monitorEventLoop", () => {
  it("exports the delay a blocked loop caused, by quantile", async () => {
    const registry = new Registry();
    const m = monitorEventLoop(registry, 1);
    try {
      await turns(3);
      block(150);
      await turns(3);
      const text = await registry.metrics();
      const max = Number(/certwright_event_loop_delay_seconds\{quantile="1"\} ([\d.e-]+)/.exec(text)?.[1]);
      expect(max).toBeGreaterThanOrEqual(0.1);
      expect(text).toContain('certwright_event_loop_delay_seconds{quantile="0.99"}');
      expect(text).toContain('certwright_event_loop_delay_seconds{quantile="0.5"}');
    } finally {
      m.stop();
    }
    expect(await registry.metrics()).not.toContain("certwright_event_loop_delay_seconds");
  });
});
