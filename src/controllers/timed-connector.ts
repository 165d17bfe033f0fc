// Times each issue() call of a connector into certwright_issuance_duration_seconds{connector}:
// the latency of the authority (a remote CA, an ACME order) as the operator sees it.
import type { Connector } from "../connectors/connector.ts";
import type { Metrics } from "../observability/metrics.ts";

/** Monotonic milliseconds: a latency must not jump with the wall clock (nor stand still with a fake one). */
export type Stopwatch = () => number;

const monotonic: Stopwatch = () => performance.now();

/** The connector with issue() timed, successful or not; everything else passes through unchanged. */
export function timedConnector(connector: Connector, metrics: Pick<Metrics, "issuanceDuration">, elapsed: Stopwatch = monotonic): Connector {
  return new Proxy(connector, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop !== "issue") return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: Parameters<Connector["issue"]>) => {
        const start = elapsed();
        try {
          return await (value as Connector["issue"]).apply(target, args);
        } finally {
          metrics.issuanceDuration.observe({ connector: target.type }, Math.max(0, elapsed() - start) / 1000);
        }
      };
    },
  });
}
