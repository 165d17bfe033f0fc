// Issuance end to end on the real control plane: examples reach Ready, the Secrets hold what
// openssl agrees is a valid chain, and re-issuance happens exactly when it should.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey } from "../../src/pki/keys.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, secretData, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const DAY = 86_400_000;
const client = testClient();
let ns: string;
let op: RunningOperator;

async function x509Text(pem: string): Promise<string> {
  return withFiles({ "c.pem": pem }, async (p) => (await openssl("x509", "-in", p("c.pem"), "-noout", "-text", "-nameopt", "RFC2253")).stdout);
}

async function verifyChain(data: Record<string, string>, atSeconds: number): Promise<void> {
  await withFiles({ "ca.pem": data["ca.crt"]!, "crt.pem": data["tls.crt"]!, "key.pem": data["tls.key"]! }, async (p) => {
    const v = await openssl("verify", "-attime", String(atSeconds), "-CAfile", p("ca.pem"), p("crt.pem"));
    expect(v.stdout + v.stderr).toContain(": OK");
    const certPub = await openssl("x509", "-in", p("crt.pem"), "-noout", "-pubkey");
    const keyPub = await openssl("pkey", "-in", p("key.pem"), "-pubout");
    expect(certPub.stdout).toBe(keyPub.stdout);
  });
}

beforeAll(async () => {
  ns = await freshNamespace(client, "issue");
  op = await startOperator({ namespace: ns });
  await applyExamples(client, ns, [
    "00-ra-profile-local.yaml", "certificate-transport.yaml", "certificate-signing.yaml", "certificate-encryption.yaml", "certificate-server.yaml",
  ]);
});

afterAll(async () => {
  await op?.stop();
});

describe("examples", () => {
  it("every example Certificate reaches Ready with a chain openssl verifies", async () => {
    for (const name of ["example-transport", "example-signing", "example-encryption", "example-server"]) {
      const c = await waitReady(client, ns, name);
      const data = await secretData(client, ns, c.spec.secretName as string);
      await verifyChain(data, op.clock.now().getTime() / 1000 + 60);
      expect(c.status?.revision).toBe(1);
      expect(c.status?.serialNumber).toMatch(/^[0-9a-f]+$/);
    }
  });

  it("the transport certificate matches the seed's OpenSSL command: RSA 2048, C/O/OU/CN, 350 days, clientAuth", async () => {
    const c = await waitReady(client, ns, "example-transport");
    const data = await secretData(client, ns, "example-transport-tls");
    const text = await x509Text(data["tls.crt"]!);
    expect(text).toContain("Subject: CN=example-transport,OU=Payments,O=Example Fintech Ltd,C=GB");
    expect(text).toContain("Public-Key: (2048 bit)");
    expect(text).toContain("TLS Web Client Authentication");
    expect(text).not.toContain("TLS Web Server Authentication");
    expect(new Date(c.status!.notAfter!).getTime() - new Date(c.status!.notBefore!).getTime()).toBe(350 * DAY);
    const secret = await client.get<{ metadata: { labels?: Record<string, string> }; type?: string }>(SECRETS, ns, "example-transport-tls");
    expect(secret.type).toBe("kubernetes.io/tls");
    expect(secret.metadata.labels?.["certwright.dev/certificate-name"]).toBe("example-transport");
  });

  it("signing, encryption and server certificates carry their key usages", async () => {
    const text = async (secret: string) => x509Text((await secretData(client, ns, secret))["tls.crt"]!);
    const signing = await text((await waitReady(client, ns, "example-signing")).spec.secretName as string);
    expect(signing).toMatch(/Digital Signature, Non Repudiation/);
    expect(signing).not.toContain("Extended Key Usage");
    const encryption = await text((await waitReady(client, ns, "example-encryption")).spec.secretName as string);
    expect(encryption).toMatch(/Key Encipherment, Data Encipherment/);
    const server = await text((await waitReady(client, ns, "example-server")).spec.secretName as string);
    expect(server).toContain("TLS Web Server Authentication");
    expect(server).toContain("DNS:api.example.com");
    expect(server).toContain("DNS:www.example.com");
  });
});

describe("existing Secrets", () => {
  it("takes over a pre-existing Secret handed over by annotation, keeping its type and other keys", async () => {
    await client.create(SECRETS, {
      metadata: { name: "pre-existing", namespace: ns, annotations: { "certwright.dev/allow-adoption": "true" } },
      type: "Opaque",
      data: encodeSecretData({ "app.conf": "x=1" }),
    });
    await client.create(CERTIFICATES, {
      metadata: { name: "takeover", namespace: ns },
      spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: "pre-existing", dnsNames: ["takeover.example.com"], privateKey: { algorithm: "ECDSA", size: 256 } },
    } as never);
    await waitReady(client, ns, "takeover");
    const s = await client.get<{ type?: string; metadata: { labels?: Record<string, string> } }>(SECRETS, ns, "pre-existing");
    expect(s.type).toBe("Opaque");
    expect(s.metadata.labels?.["certwright.dev/certificate-name"]).toBe("takeover");
    const data = await secretData(client, ns, "pre-existing");
    expect(data["app.conf"]).toBe("x=1");
    await verifyChain(data, op.clock.now().getTime() / 1000 + 60);
    // A re-issue keeps what is not ours.
    const serial = (await getCert(client, ns, "takeover")).status!.serialNumber;
    await client.patch(CERTIFICATES, ns, "takeover", { spec: { renewalRequest: { id: "again" } } });
    await waitReady(client, ns, "takeover", (st) => st.serialNumber !== serial);
    expect((await secretData(client, ns, "pre-existing"))["app.conf"]).toBe("x=1");
  });
});

describe("re-issuance", () => {
  it("renews at the renewal time and not before (fake clock), with a new key by default", async () => {
    const before = await waitReady(client, ns, "example-server");
    const oldData = await secretData(client, ns, before.spec.secretName as string);
    const renewalAt = new Date(before.status!.renewalTime!).getTime();
    expect(new Date(before.status!.notAfter!).getTime() - renewalAt).toBe(30 * DAY); // the example asks renewBefore: 720h

    op.clock.set(new Date(renewalAt - 60_000));
    await op.forceReconcile(ns, "example-server"); // a wrongly early renewal would happen in this look
    expect((await getCert(client, ns, "example-server")).status?.serialNumber).toBe(before.status!.serialNumber);

    op.clock.set(new Date(renewalAt + 1000));
    const after = await waitReady(client, ns, "example-server", (s) => s.serialNumber !== before.status!.serialNumber);
    expect(after.status!.revision).toBe(2);
    expect(after.status!.history?.map((h) => h.state)).toEqual(["issued", "superseded"]);
    const newData = await secretData(client, ns, before.spec.secretName as string);
    expect(newData["tls.key"]).not.toBe(oldData["tls.key"]); // rotationPolicy defaults to Always
    await verifyChain(newData, op.clock.now().getTime() / 1000 + 60);
  });

  it("re-issues when the Secret is deleted, tls.crt is corrupted, tls.key is swapped or dnsNames change", async () => {
    const serial = async () => (await waitReady(client, ns, "example-signing")).status!.serialNumber!;
    const secretName = "example-signing-tls";
    let last = await serial();

    await client.delete(SECRETS, ns, secretName);
    await waitReady(client, ns, "example-signing", (s) => s.serialNumber !== last);
    last = await serial();

    await client.patch(SECRETS, ns, secretName, { data: encodeSecretData({ "tls.crt": "-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n" }) });
    await waitReady(client, ns, "example-signing", (s) => s.serialNumber !== last);
    last = await serial();

    await client.patch(SECRETS, ns, secretName, { data: encodeSecretData({ "tls.key": await generatePrivateKey({ algorithm: "ECDSA", size: 256 }) }) });
    await waitReady(client, ns, "example-signing", (s) => s.serialNumber !== last);
    const swapped = await secretData(client, ns, secretName);
    await verifyChain(swapped, op.clock.now().getTime() / 1000 + 60);

    const server = await waitReady(client, ns, "example-server");
    await client.patch(CERTIFICATES, ns, "example-server", { spec: { dnsNames: ["api.example.com", "new.example.com"] } });
    await waitReady(client, ns, "example-server", (s) => s.serialNumber !== server.status!.serialNumber);
    const text = await x509Text((await secretData(client, ns, "example-server-tls"))["tls.crt"]!);
    expect(text).toContain("DNS:new.example.com");
    expect(text).not.toContain("DNS:www.example.com");
  });
});
