import { describe, expect, it } from "vitest";
import type { Connector } from "../connectors/connector.ts";
import { createMetrics } from "../observability/metrics.ts";
import { timedConnector } from "./timed-connector.ts";

function fakeConnector(fail: boolean): Connector {
  return {
    type: "local",
    capabilities: new Set(["issue"]),
    exactIssuance: true,
    handOff: false,
    prepare: () => Promise.resolve({ caPem: "" }),
    probe: () => Promise.resolve(),
    issue: () => (fail ? Promise.reject(new Error("refused")) : Promise.resolve({ certificatePem: "leaf", caPem: "ca" } as unknown as Awaited<ReturnType<Connector["issue"]>>)),
    revoke: () => Promise.resolve(),
    crl: () => Promise.reject(new Error("none")),
    revokedCount: () => Promise.resolve(0),
  };
}

async function histogram(m: ReturnType<typeof createMetrics>) {
  return (await m.issuanceDuration.get()).values;
}

describe("timedConnector", () => {
  it("observes each issue() with the stopwatch's elapsed time, by connector type", async () => {
    const m = createMetrics();
    let t = 1000;
    const c = timedConnector(fakeConnector(false), m, () => t);
    const pending = c.issue({} as never);
    t += 2500;
    await pending;
    const values = await histogram(m);
    expect(values.find((v) => v.metricName === "certwright_issuance_duration_seconds_sum")).toMatchObject({ value: 2.5, labels: { connector: "local" } });
    expect(values.find((v) => v.metricName === "certwright_issuance_duration_seconds_count")?.value).toBe(1);
    expect(c.type).toBe("local");
    expect(c.capabilities.has("issue")).toBe(true);
  });

  it("observes a failed issue() too, and still throws its error", async () => {
    const m = createMetrics();
    const c = timedConnector(fakeConnector(true), m, () => 0);
    await expect(c.issue({} as never)).rejects.toThrow("refused");
    expect((await histogram(m)).find((v) => v.metricName === "certwright_issuance_duration_seconds_count")?.value).toBe(1);
  });
});
