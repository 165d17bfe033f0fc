// Event-loop delay, sampled by perf_hooks.monitorEventLoopDelay: how late timers and I/O
// callbacks run. The Lease renewal is one of them, so a growing p99 here warns before a
// healthy leader loses its Lease to CPU load.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

export const EVENT_LOOP_DELAY_METRIC = "certwright_event_loop_delay_seconds";

export interface EventLoopMonitor {
  stop(): void;
}

/**
 * Exports certwright_event_loop_delay_seconds{quantile="0.5"|"0.99"|"1"} over the time since the
 * previous scrape (the histogram is reset on each collect).
 */
export function monitorEventLoop(registry: Registry, resolutionMs = 10): EventLoopMonitor {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  const gauge = new Gauge({
    name: EVENT_LOOP_DELAY_METRIC,
    help: "Event-loop delay since the previous scrape, by quantile (1 is the maximum).",
    labelNames: ["quantile"],
    registers: [registry],
    collect() {
      if (h.count === 0) return; // no sample yet: keep the last values
      gauge.set({ quantile: "0.5" }, seconds(h.percentile(50)));
      gauge.set({ quantile: "0.99" }, seconds(h.percentile(99)));
      gauge.set({ quantile: "1" }, seconds(h.max));
      h.reset();
    },
  });
  return {
    stop() {
      h.disable();
      registry.removeSingleMetric(EVENT_LOOP_DELAY_METRIC);
    },
  };
}
