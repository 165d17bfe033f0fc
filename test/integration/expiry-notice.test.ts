// Expiry notice: entering the profile's notice window gives an Event, a condition and a metric;
// failing renewals inside the window give a warning Event. Driven by the fake clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { EVENTS } from "../../src/kube/resources.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const DAY = 86_400_000;
const client = testClient();
let ns: string;
let op: RunningOperator;

async function reasons(): Promise<string[]> {
  const list = await client.list<KubeObject & { reason: string; regarding: { name: string } }>(EVENTS, { namespace: ns });
  return list.items.filter((e) => e.regarding.name === "notice").map((e) => e.reason);
}

async function noticeMetric(): Promise<number | undefined> {
  const m = await op.metrics.registry.getSingleMetric("certwright_certificate_expiry_notice")?.get();
  return m?.values.find((v) => v.labels.name === "notice")?.value;
}

beforeAll(async () => {
  ns = await freshNamespace(client, "notice");
  op = await startOperator({ namespace: ns });
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "p", namespace: ns },
    // Renew 10 days ahead, but tell people 60 days ahead (the seeds' notice).
    spec: { authority: { type: "local", local: { caSecretName: "p-ca" } }, defaults: { duration: "8400h", renewBefore: "240h", expiryNotice: "1440h" } },
  } as KubeObject);
  await client.create<KubeObject>(CERTIFICATES, {
    metadata: { name: "notice", namespace: ns },
    spec: { raProfileRef: { name: "p" }, type: "transport", secretName: "notice-tls", subject: { commonName: "notice" }, privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject);
});

afterAll(async () => {
  await op?.stop();
});

describe("expiry notice", () => {
  it("fires once when the certificate enters the notice window, not before", async () => {
    const c = await waitReady(client, ns, "notice");
    const notAfter = new Date(c.status!.notAfter!).getTime();
    // The gauge is set once the status write has returned to the operator, which may be after
    // this test has read the status.
    await eventually(async () => ((await noticeMetric()) === 0 ? true : undefined), 20_000, "the notice gauge at 0");

    op.clock.set(new Date(notAfter - 61 * DAY));
    await op.forceReconcile(ns, "notice"); // a look at this time, then: no notice yet
    await op.operator.events.flush();
    expect(await reasons()).not.toContain("ExpiryNotice");

    op.clock.set(new Date(notAfter - 59 * DAY));
    await eventually(async () => ((await reasons()).includes("ExpiryNotice") ? true : undefined), 20_000, "ExpiryNotice event");
    const cond = (await getCert(client, ns, "notice")).status!.conditions!.find((x) => x.type === "ExpiryNotice");
    expect(cond?.status).toBe("True");
    expect(await noticeMetric()).toBe(1);
    expect((await getCert(client, ns, "notice")).status!.serialNumber).toBe(c.status!.serialNumber); // noticed, not renewed
  });

  it("warns when renewal keeps failing inside the window", async () => {
    const c = await getCert(client, ns, "notice");
    // The profile is pointed at a CA Secret that does not exist and may not be created:
    // the renewal at notAfter - 10 days fails.
    await client.patch(RA_PROFILES, ns, "p", { spec: { authority: { type: "local", local: { caSecretName: "moved-ca", generate: false } } } });
    await eventually(async () => {
      const p = await client.get<KubeObject & { status?: { conditions?: { type: string; reason: string }[] } }>(RA_PROFILES, ns, "p");
      return p.status?.conditions?.find((x) => x.type === "Ready")?.reason === "CANotFound" ? true : undefined;
    }, 20_000, "the profile to report its CA missing");
    const notAfter = new Date(c.status!.notAfter!).getTime();
    op.clock.set(new Date(notAfter - 9 * DAY));
    await eventually(async () => ((await reasons()).includes("ExpiringRenewalFailing") ? true : undefined), 20_000, "renewal-failing warning");
    const s = (await getCert(client, ns, "notice")).status!;
    expect(s.failedIssuanceAttempts).toBeGreaterThanOrEqual(1);
    expect(s.serialNumber).toBe(c.status!.serialNumber); // the old certificate is kept meanwhile
  });
});

describe("the unset notice window scales with the lifetime", () => {
  let ns2: string;
  let op2: RunningOperator;
  const reasonsOf = async (name: string) =>
    (await client.list<KubeObject & { reason: string; regarding: { name: string } }>(EVENTS, { namespace: ns2 })).items.filter((e) => e.regarding.name === name).map((e) => e.reason);

  beforeAll(async () => {
    ns2 = await freshNamespace(client, "notice-scaled");
    op2 = await startOperator({ namespace: ns2 });
    // No defaults.expiryNotice: 60 days would cover a 30-day certificate from its first second.
    await client.create<KubeObject>(RA_PROFILES, { metadata: { name: "p", namespace: ns2 }, spec: { authority: { type: "local", local: { caSecretName: "p-ca", generate: true } } } } as KubeObject);
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "month", namespace: ns2 },
      spec: { raProfileRef: { name: "p" }, type: "transport", secretName: "month-tls", subject: { commonName: "month" }, duration: "720h", renewBefore: "120h", privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
  });

  afterAll(async () => {
    await op2?.stop();
  });

  it("a 30-day certificate is not expiring when issued, and enters its window a third of its life before the end", async () => {
    const c = await waitReady(client, ns2, "month");
    expect(c.status!.conditions!.find((x) => x.type === "ExpiryNotice")?.status).toBe("False");
    const notAfter = new Date(c.status!.notAfter!).getTime();
    op2.clock.set(new Date(notAfter - 11 * DAY));
    await op2.forceReconcile(ns2, "month");
    await op2.operator.events.flush();
    expect(await reasonsOf("month")).not.toContain("ExpiryNotice");
    op2.clock.set(new Date(notAfter - 9 * DAY)); // inside the 10 days (720h / 3), before renewal at 5 days
    await eventually(async () => ((await reasonsOf("month")).includes("ExpiryNotice") ? true : undefined), 20_000, "ExpiryNotice event");
    expect((await getCert(client, ns2, "month")).status!.serialNumber).toBe(c.status!.serialNumber);
  });
});
