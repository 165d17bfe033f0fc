// certwright_issuance_duration_seconds in the running operator: one observation per connector
// issue call, labelled by connector and result, agreeing with certwright_issuance_total.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
let ns: string;
let op: RunningOperator;

beforeAll(async () => {
  ns = await freshNamespace(client, "imetric");
  op = await startOperator({ namespace: ns });
  await applyExamples(client, ns, ["00-ra-profile-local.yaml", "certificate-transport.yaml", "certificate-server.yaml"]);
});

afterAll(async () => {
  await op?.stop();
});

describe("issuance duration metric", () => {
  it("counts each local issuance once, as success, like certwright_issuance_total", async () => {
    for (const name of ["example-transport", "example-server"]) await waitReady(client, ns, name);
    const text = await op.metrics.registry.metrics();
    const line = (prefix: string) => text.split("\n").find((l) => l.startsWith(prefix));
    expect(line('certwright_issuance_duration_seconds_count{connector="local",result="success"}')).toBe(
      'certwright_issuance_duration_seconds_count{connector="local",result="success"} 2',
    );
    expect(line('certwright_issuance_total{connector="local",result="success"}')).toBe('certwright_issuance_total{connector="local",result="success"} 2');
    expect(text).not.toMatch(/certwright_issuance_duration_seconds_count\{connector="local",result="(refused|failure)"\}/);
  });
});
