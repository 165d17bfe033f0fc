// The operator issuing through the http connector (CZERTAINLY v2 authority-provider API) from a
// server that judges every request against the published contract as current connectors read
// it: typed RA profile attributes, mTLS with a client certificate from a Secret plus a bearer
// token, the CA chain from caCertificates, renewal with the same key through renew, revocation,
// and a connector's 4xx shown as a terminal refusal with its own message.
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
const TOKEN = "s3cr3t-token";
const client = testClient();
let ns: string;
let server: CzertainlyServer;
let op: RunningOperator;

type Status = { conditions?: { type: string; status: string; reason: string; message: string }[]; caCertificate?: string };
const profileStatus = async () => (await client.get<KubeObject & { status?: Status }>(RA_PROFILES, ns, "czertainly")).status;

function certificate(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: "czertainly" }, type: "client", secretName: `${name}-tls`, subject: { commonName: name }, privateKey: { algorithm: "ECDSA", size: 256 }, ...extra },
  } as KubeObject;
}

beforeAll(async () => {
  server = await startCzertainlyServer({ authorityUuid: UUID, token: TOKEN, mtls: true });
  const tls = server.mtls!;
  ns = await freshNamespace(client, "czert");
  op = await startOperator({ namespace: ns });
  await client.create<SecretObject>(SECRETS, { metadata: { name: "czertainly-token", namespace: ns }, data: encodeSecretData({ token: TOKEN }) });
  await client.create<SecretObject>(SECRETS, { metadata: { name: "czertainly-ca", namespace: ns }, data: encodeSecretData({ "ca.crt": tls.caPem }) });
  await client.create<SecretObject>(SECRETS, {
    metadata: { name: "czertainly-client", namespace: ns },
    type: "kubernetes.io/tls",
    data: encodeSecretData({ "tls.crt": tls.clientCertificatePem, "tls.key": tls.clientKeyPem }),
  });
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "czertainly", namespace: ns },
    spec: {
      authority: {
        type: "http",
        http: {
          url: server.url,
          authorityUuid: UUID,
          raProfileAttributes: [
            { name: "ra_profile_engine", contentType: "object", content: [{ object: { engineName: "pki" } }] },
            { name: "ra_profile_role", contentType: "string", content: [{ string: "clients" }] },
          ],
          tokenSecretRef: { name: "czertainly-token", key: "token" },
          caBundleSecretRef: { name: "czertainly-ca", key: "ca.crt" },
          clientCertificateSecretRef: { name: "czertainly-client" },
        },
      },
    },
  } as KubeObject);
  await client.create<KubeObject>(CERTIFICATES, certificate("svc", { uris: ["spiffe://cluster.local/ns/x/sa/svc"] }));
}, 120_000);

afterAll(async () => {
  await op?.stop();
  await server?.stop();
});

describe("http connector (CZERTAINLY v2) in the operator", () => {
  it("over mTLS, issues a certificate openssl verifies against the authority's root; ca.crt is that root", async () => {
    await waitReady(client, ns, "svc");
    const data = await secretData(client, ns, "svc-tls");
    const [leaf, ...chain] = splitPemBundle(data["tls.crt"]!);
    expect(inspectCertificate(leaf!).sans.uris).toEqual(["spiffe://cluster.local/ns/x/sa/svc"]);
    expect(data["ca.crt"]!.trim()).toBe(server.rootPem.trim());
    await withFiles({ "root.pem": server.rootPem, "chain.pem": chain.join(""), "leaf.pem": leaf! }, async (p) => {
      const v = await openssl("verify", "-CAfile", p("root.pem"), "-untrusted", p("chain.pem"), p("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
    });
    const issue = server.received.find((r) => r.operation === "issueCertificate")!;
    expect(issue.body.raProfileAttributes).toEqual([
      { name: "ra_profile_engine", contentType: "object", content: [{ data: { engineName: "pki" } }] },
      { name: "ra_profile_role", contentType: "string", content: [{ data: "clients" }] },
    ]);
    expect(server.refusals).toEqual([]);
    expect(op.logs()).not.toContain(TOKEN);
    expect(op.logs()).not.toContain("PRIVATE KEY");
  });

  it("the profile is Ready and shows the authority's chain from caCertificates", async () => {
    const status = await eventually(async () => {
      const s = await profileStatus();
      return s?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
    }, 30_000, "the profile Ready");
    expect(status.caCertificate).toBe(server.intermediatePem + server.rootPem);
    expect(server.received.some((r) => r.operation === "getCaCertificates")).toBe(true);
  });

  it("rotationPolicy Never renews through the renew endpoint, with the same key", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("same-key", { privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" } }));
    const first = await waitReady(client, ns, "same-key");
    const before = await secretData(client, ns, "same-key-tls");
    await client.patch(CERTIFICATES, ns, "same-key", { spec: { renewalRequest: { id: "renew-1" } } });
    await eventually(async () => ((await getCert(client, ns, "same-key")).status?.revision === 2 ? true : undefined), 30_000, "the renewal");
    const after = await secretData(client, ns, "same-key-tls");
    expect(after["tls.key"]).toBe(before["tls.key"]);
    const renewed = inspectCertificate(splitPemBundle(after["tls.crt"]!)[0]!);
    expect(renewed.serialNumber).not.toBe(first.status!.serialNumber);
    const renew = server.received.filter((r) => r.operation === "renewCertificate");
    expect(renew).toHaveLength(1);
    const oldLeaf = splitPemBundle(before["tls.crt"]!)[0]!;
    expect(renew[0]!.body.certificate).toBe(oldLeaf.replace(/-----[A-Z ]+-----|\s+/g, ""));
  });

  it("revokes through the connector; the server records the serial and reason", async () => {
    const serial = (await getCert(client, ns, "svc")).status!.serialNumber!;
    await client.patch(CERTIFICATES, ns, "svc", { spec: { revocation: { reason: "cessationOfOperation" } } });
    const r = await waitNotReady(client, ns, "svc");
    expect(r.reason).toBe("Revoked");
    await eventually(() => server.revocations.find((x) => x.serialNumber === serial), 10_000, "the server's record");
    expect(server.revocations).toContainEqual({ serialNumber: serial, reason: "cessationOfOperation" });
  });

  it("a 4xx from the connector is a terminal refusal showing its message: Stalled, no failure count, no retry time", async () => {
    server.rejectIssue = { status: 422, messages: ["role clients does not allow the requested subject"] };
    try {
      await client.create<KubeObject>(CERTIFICATES, certificate("refused"));
      const ready = await waitNotReady(client, ns, "refused");
      expect(ready.reason).toBe("Rejected");
      expect(ready.message).toBe("issue: HTTP 422: role clients does not allow the requested subject");
      const status = (await getCert(client, ns, "refused")).status!;
      expect(status.failedIssuanceAttempts ?? 0).toBe(0);
      expect(status.nextRetryTime).toBeUndefined();
      // Only a change of spec or profile helps: kstatus reads it as Failed, with the message.
      const stalled = status.conditions?.find((c) => c.type === "Stalled");
      expect([stalled?.status, stalled?.reason, stalled?.message]).toEqual(["True", "Rejected", ready.message]);
    } finally {
      server.rejectIssue = undefined;
    }
  });

  it("after an outage the profile turns Ready within one probe interval and the waiting Certificate issues at once, not at its back-off", async () => {
    server.down = true;
    await client.create<KubeObject>(CERTIFICATES, certificate("during-outage"));
    const failed = await waitNotReady(client, ns, "during-outage");
    expect(failed.message).toContain("503");
    // The failure made the profile probe its authority: it reports the outage itself.
    const profileReady = async () => (await profileStatus())?.conditions?.find((c) => c.type === "Ready");
    await eventually(async () => ((await profileReady())?.status === "False" ? true : undefined), 30_000, "the profile not Ready");
    // Let the back-off grow: the next retries are 20 s, then 40 s away.
    for (const attempts of [2, 3]) {
      const next = Date.parse((await getCert(client, ns, "during-outage")).status!.nextRetryTime!);
      op.clock.set(new Date(next + 1000));
      await eventually(async () => ((await getCert(client, ns, "during-outage")).status?.failedIssuanceAttempts === attempts ? true : undefined), 30_000, `attempt ${attempts}`);
      // The jump also fired the profile's probe: let it finish, so its next probe is due one
      // interval after this (fake) time and not after the advance below.
      await eventually(() => (op.operator.idle() ? true : undefined), 30_000, "the controllers idle");
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
