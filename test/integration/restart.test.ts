// An operator restart re-issues nothing that is still valid: level-triggered reconciles read the
// Secrets, find them matching, and only write what changed: nothing at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
const COUNT = 50;
let ns: string;
let first: RunningOperator | undefined;
let second: RunningOperator | undefined;

beforeAll(async () => {
  ns = await freshNamespace(client, "restart");
  await applyExamples(client, ns, ["00-ra-profile-local.yaml"]);
  first = await startOperator({ namespace: ns });
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      client.create<KubeObject>(CERTIFICATES, {
        metadata: { name: `c${i}`, namespace: ns },
        spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: `c${i}-tls`, dnsNames: [`c${i}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 } },
      } as KubeObject),
    ),
  );
});

afterAll(async () => {
  await first?.stop();
  await second?.stop();
});

describe("operator restart", () => {
  it(`with ${COUNT} Ready certificates issues nothing`, async () => {
    const serials = new Map<string, string>();
    for (let i = 0; i < COUNT; i++) serials.set(`c${i}`, (await waitReady(client, ns, `c${i}`)).status!.serialNumber!);
    expect(first!.secretWrites()).toBeGreaterThanOrEqual(COUNT);
    await first!.stop();
    first = undefined;

    second = await startOperator({ namespace: ns });
    // Wait until the new operator has looked at every Certificate: its caches are synced and
    // its queue has drained (each reconcile of an up-to-date certificate writes nothing).
    await eventually(async () => ((await second!.certificateReconciles()) >= COUNT ? true : undefined), 60_000, "every Certificate reconciled");
    // Then each once more, explicitly: a write the first look caused would show by now.
    for (let i = 0; i < COUNT; i++) await second.forceReconcile(ns, `c${i}`);
    await second.operator.events.flush();
    // Nothing at all: no Secret, no status patch, no Event (the profile's CRL may be republished).
    expect(second.writes().filter((w) => !/\/configmaps|\/raprofiles\//.test(w))).toEqual([]);
    expect(second.secretWrites()).toBe(0);
    for (let i = 0; i < COUNT; i++) {
      const c = await getCert(client, ns, `c${i}`);
      expect(c.status?.serialNumber).toBe(serials.get(`c${i}`));
      expect(c.status?.revision).toBe(1);
    }
  });
});
