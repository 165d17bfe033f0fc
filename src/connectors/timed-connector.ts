// Times every issue() call of a connector, from the request to the signed certificate (or the
// failure), for certwright_issuance_duration_seconds. A wrapper, so no connector and no caller
// has to remember to do it.
import { ConnectorError, type Connector } from "./connector.ts";

/** success: signed; refused: the authority said no and will again (not retried); failure: retried. */
export type IssuanceResult = "success" | "refused" | "failure";

export interface IssuanceSample {
  connector: string;
  result: IssuanceResult;
  seconds: number;
}

export function issuanceResultOf(e: unknown): IssuanceResult {
  return e instanceof ConnectorError && !e.retryable ? "refused" : "failure";
}

/**
 * The same connector, whose issue() also reports how long it took. A Proxy rather than a class
 * listing every member, so members added to Connector later pass through unchanged; methods run
 * on the connector itself.
 */
export function timeIssuance(connector: Connector, record: (s: IssuanceSample) => void, now: () => Date): Connector {
  const issue: Connector["issue"] = async (req) => {
    const start = now().getTime();
    const seconds = () => Math.max(0, now().getTime() - start) / 1000;
    try {
      const issued = await connector.issue(req);
      record({ connector: connector.type, result: "success", seconds: seconds() });
      return issued;
    } catch (e) {
      record({ connector: connector.type, result: issuanceResultOf(e), seconds: seconds() });
      throw e;
    }
  };
  return new Proxy(connector, {
    get(target, prop) {
      if (prop === "issue") return issue;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
