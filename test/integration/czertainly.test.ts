// The operator issuing through the http connector (CZERTAINLY v2 authority-provider API) from a
// server we wrote to that API: Ready with the server's chain, bearer token from a Secret, and a
// revocation the server records.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { startCzertainlyServer, type CzertainlyServer } from "../../src/connectors/testing/czertainly-server.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const UUID = "6f3c2a9e-1b7d-4c5e-9a8f-0d2e4b6c8a10";
const client = testClient();
let ns: string;
let server: CzertainlyServer;
let op: RunningOperator;

beforeAll(async () => {
  server = await startCzertainlyServer({ authorityUuid: UUID, token: "s3cr3t-token" });
  ns = await freshNamespace(client, "czert");
  op = await startOperator({ namespace: ns });
  await client.create<SecretObject>(SECRETS, { metadata: { name: "czertainly-token", namespace: ns }, data: encodeSecretData({ token: "s3cr3t-token" }) });
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "czertainly", namespace: ns },
    spec: { authority: { type: "http", http: { url: server.url, authorityUuid: UUID, tokenSecretRef: { name: "czertainly-token", key: "token" } } } },
  } as KubeObject);
  await client.create<KubeObject>(CERTIFICATES, {
    metadata: { name: "svc", namespace: ns },
    spec: { raProfileRef: { name: "czertainly" }, type: "client", secretName: "svc-tls", subject: { commonName: "svc" }, uris: ["spiffe://cluster.local/ns/x/sa/svc"], privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject);
});

afterAll(async () => {
  await op?.stop();
  await server?.stop();
});

describe("http connector (CZERTAINLY v2) in the operator", () => {
  it("issues a certificate openssl verifies against the server's root", async () => {
    await waitReady(client, ns, "svc");
    const data = await secretData(client, ns, "svc-tls");
    const [leaf, ...chain] = splitPemBundle(data["tls.crt"]!);
    expect(inspectCertificate(leaf!).sans.uris).toEqual(["spiffe://cluster.local/ns/x/sa/svc"]);
    await withFiles({ "root.pem": server.rootPem, "chain.pem": chain.join("") || server.intermediatePem, "leaf.pem": leaf! }, async (p) => {
      const v = await openssl("verify", "-CAfile", p("root.pem"), "-untrusted", p("chain.pem"), p("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
    });
    expect(op.logs()).not.toContain("s3cr3t-token");
  });

  it("does not re-issue on later reconciles: the CA's own usages (a server template here) are its choice", async () => {
    const before = await getCert(client, ns, "svc");
    const writes = op.secretWrites();
    const reconciles = await op.certificateReconciles();
    await client.patch(SECRETS, ns, "svc-tls", { metadata: { labels: { touched: "yes" } } });
    await eventually(async () => ((await op.certificateReconciles()) > reconciles ? true : undefined), 10_000, "a reconcile");
    expect(op.secretWrites()).toBe(writes);
    expect((await getCert(client, ns, "svc")).status!.serialNumber).toBe(before.status!.serialNumber);
  });

  it("revokes through the connector; the server records the serial and reason", async () => {
    const serial = (await getCert(client, ns, "svc")).status!.serialNumber!;
    await client.patch(CERTIFICATES, ns, "svc", { spec: { revocation: { reason: "cessationOfOperation" } } });
    const r = await waitNotReady(client, ns, "svc");
    expect(r.reason).toBe("Revoked");
    await eventually(() => server.revocations.find((x) => x.serialNumber === serial), 10_000, "the server's record");
    expect(server.revocations).toContainEqual({ serialNumber: serial, reason: "cessationOfOperation" });
  });

  it("after an outage the profile turns Ready within one probe interval and the waiting Certificate issues at once, not at its back-off", async () => {
    server.down = true;
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "during-outage", namespace: ns },
      spec: { raProfileRef: { name: "czertainly" }, type: "client", secretName: "during-outage-tls", subject: { commonName: "during-outage" }, privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
    const failed = await waitNotReady(client, ns, "during-outage");
    expect(failed.message).toContain("503");
    // The failure made the profile probe its authority: it reports the outage itself.
    const profileReady = async () =>
      ((await client.get<KubeObject & { status?: { conditions?: { type: string; status: string; reason: string }[] } }>(RA_PROFILES, ns, "czertainly")).status?.conditions ?? []).find((c) => c.type === "Ready");
    await eventually(async () => ((await profileReady())?.status === "False" ? true : undefined), 30_000, "the profile not Ready");
    // Let the back-off grow: the next retries are 20 s, then 40 s away.
    for (const attempts of [2, 3]) {
      const next = Date.parse((await getCert(client, ns, "during-outage")).status!.nextRetryTime!);
      op.clock.set(new Date(next + 1000));
      await eventually(async () => ((await getCert(client, ns, "during-outage")).status?.failedIssuanceAttempts === attempts ? true : undefined), 30_000, `attempt ${attempts}`);
    }
    const retryAt = Date.parse((await getCert(client, ns, "during-outage")).status!.nextRetryTime!);
    server.down = false;
    op.clock.advance(10_000); // one probe interval while failing
    const c = await waitReady(client, ns, "during-outage");
    expect((await profileReady())?.status).toBe("True");
    expect(op.clock.now().getTime()).toBeLessThan(retryAt); // issued before the back-off would have let it
    expect(c.status?.revision).toBe(1);
  });
});
