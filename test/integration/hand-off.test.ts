// The manual connector, the Raidiam Connect / Thredd flow: the operator publishes the CSR, a
// person uploads it to the CA portal and hands the certificate back; the operator checks it
// against the key and the spec before it serves it. The "portal" here is a CA made in the test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { EVENTS, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../src/pki/ca.ts";
import { parseAndVerifyCsr } from "../../src/pki/csr.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../src/pki/keys.ts";
import { usagesForType } from "../../src/pki/usages.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const DAY = 86_400_000;
const client = testClient();
let ns: string;
let op: RunningOperator;
let portal: { certificatePem: string; privateKeyPem: string };

/** What the portal does with an uploaded CSR: sign it for 350 days as a transport certificate. */
async function portalSigns(csrPem: string, publicKeyPem?: string): Promise<string> {
  const csr = await parseAndVerifyCsr(csrPem);
  const notBefore = floorToSecond(op.clock.now());
  return signCertificate({
    issuer: portal, publicKeyPem: publicKeyPem ?? csr.publicKeyPem, subject: csr.subject, sans: csr.sans,
    ...usagesForType("transport", csr.key.algorithm), notBefore, notAfter: new Date(notBefore.getTime() + 350 * DAY),
  });
}

const transport = (name: string) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: {
      raProfileRef: { name: "directory" }, type: "transport", secretName: `${name}-tls`,
      subject: { countries: ["BR"], organizations: ["TPP Ltda"], organizationalUnits: ["org-id-123"], commonName: name },
      privateKey: { algorithm: "RSA", size: 2048 },
    },
  } as KubeObject);

async function request(name: string): Promise<Record<string, string>> {
  return eventually(async () => {
    const s = await client.find<SecretObject>(SECRETS, ns, `${name}-tls-request`);
    return s ? secretData(client, ns, `${name}-tls-request`) : undefined;
  }, 30_000, "the request Secret");
}

beforeAll(async () => {
  ns = await freshNamespace(client, "handoff");
  op = await startOperator({ namespace: ns });
  portal = await createCertificateAuthority({ commonName: "Open Finance Directory CA", now: op.clock.now() });
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "directory", namespace: ns },
    spec: { authority: { type: "manual", manual: { instructions: "Directory portal: Applications > App certificates > New" } } },
  } as KubeObject);
});

afterAll(async () => {
  await op?.stop();
});

describe("hand-off issuance (manual connector)", () => {
  it("publishes a CSR with the spec's subject, waits, then accepts the certificate handed back", async () => {
    await transport("tpp");
    const req = await request("tpp");
    const csr = await parseAndVerifyCsr(req["tls.csr"]!);
    expect(csr.subject).toMatchObject({ countries: ["BR"], organizations: ["TPP Ltda"], commonName: "tpp" });
    expect(csr.key).toEqual({ algorithm: "RSA", size: 2048 });
    const waiting = await waitNotReady(client, ns, "tpp");
    expect(waiting.reason).toBe("AwaitingCertificate");
    expect(waiting.message).toContain("Directory portal");

    const signed = await portalSigns(req["tls.csr"]!);
    await client.patch(SECRETS, ns, "tpp-tls-request", { data: encodeSecretData({ "tls.crt": signed, "ca.crt": portal.certificatePem }) });
    const ready = await waitReady(client, ns, "tpp");
    expect(ready.status!.revision).toBe(1);
    const data = await secretData(client, ns, "tpp-tls");
    expect(data["tls.key"]).toBe(req["tls.key"]);
    await withFiles({ "ca.pem": data["ca.crt"]!, "crt.pem": data["tls.crt"]!, "key.pem": data["tls.key"]! }, async (p) => {
      expect((await openssl("verify", "-attime", String(Math.floor(op.clock.now().getTime() / 1000) + 60), "-CAfile", p("ca.pem"), p("crt.pem"))).stdout).toContain(": OK");
      expect((await openssl("x509", "-in", p("crt.pem"), "-noout", "-pubkey")).stdout).toBe((await openssl("pkey", "-in", p("key.pem"), "-pubout")).stdout);
    });
    const after = await secretData(client, ns, "tpp-tls-request");
    expect(after["tls.key"]).toBeUndefined(); // the key lives only in the Certificate's Secret now
    expect(after["tls.csr"]).toBe(req["tls.csr"]);
  });

  it("renews by publishing a new CSR while the current certificate keeps serving", async () => {
    const first = await waitReady(client, ns, "tpp");
    const oldCsr = (await secretData(client, ns, "tpp-tls-request"))["tls.csr"];
    op.clock.set(new Date(new Date(first.status!.renewalTime!).getTime() + 1000));
    const req = await eventually(async () => {
      const d = await secretData(client, ns, "tpp-tls-request");
      return d["tls.csr"] !== oldCsr && d["tls.key"] ? d : undefined;
    }, 30_000, "a new CSR");
    const during = await eventually(async () => {
      const c = await getCert(client, ns, "tpp");
      return c.status!.conditions!.find((x) => x.type === "Issuing")?.status === "True" ? c : undefined;
    }, 30_000, "Issuing=True");
    expect(during.status!.conditions!.find((c) => c.type === "Issuing")?.reason).toBe("AwaitingCertificate");
    expect(during.status!.conditions!.find((c) => c.type === "Ready")?.status).toBe("True"); // still serving
    await client.patch(SECRETS, ns, "tpp-tls-request", { data: encodeSecretData({ "tls.crt": await portalSigns(req["tls.csr"]!) }) });
    const renewed = await waitReady(client, ns, "tpp", (st) => st.serialNumber !== first.status!.serialNumber);
    expect(renewed.status!.revision).toBe(2);
    expect(renewed.status!.conditions!.find((c) => c.type === "Issuing")?.status).toBe("False");
    expect((await secretData(client, ns, "tpp-tls"))["tls.key"]).toBe(req["tls.key"]);
  });

  it("refuses a handed-back certificate for another key, keeps waiting, and issues nothing", async () => {
    await transport("wrong");
    const req = await request("wrong");
    const otherKey = await generatePrivateKey({ algorithm: "RSA", size: 2048 });
    const signed = await portalSigns(req["tls.csr"]!, publicKeyPemFromPrivate(otherKey));
    await client.patch(SECRETS, ns, "wrong-tls-request", { data: encodeSecretData({ "tls.crt": signed }) });
    const r = await eventually(async () => {
      const c = await getCert(client, ns, "wrong");
      const ready = c.status?.conditions?.find((x) => x.type === "Ready");
      return ready?.reason === "HandedBackCertificateInvalid" ? ready : undefined;
    }, 30_000, "the refusal");
    expect(r.message).toContain("does not match the key of the published CSR");
    expect(await client.find(SECRETS, ns, "wrong-tls")).toBeUndefined();
    expect((await secretData(client, ns, "wrong-tls-request"))["tls.key"]).toBe(req["tls.key"]); // same CSR still valid
  });

  it.each([
    ["malformed PEM framing", (pem: string) => pem.replace("-----END CERTIFICATE-----", "-----END CERTIFICATE REQUEST-----"), /^tls\.crt: malformed certificate bundle: .*does not repeat its label/],
    ["a bundle over the size cap", (pem: string) => pem + "#".repeat(300_000), /^tls\.crt: certificate bundle is \d+ bytes, over the limit of 262144/],
  ])("refuses a hand-back with %s as HandedBackCertificateInvalid, with an event, and issues nothing", async (what, spoil, message) => {
    const name = what.startsWith("malformed") ? "garbled" : "oversized";
    await transport(name);
    const req = await request(name);
    const signed = await portalSigns(req["tls.csr"]!);
    await client.patch(SECRETS, ns, `${name}-tls-request`, { data: encodeSecretData({ "tls.crt": spoil(signed) }) });
    const r = await eventually(async () => {
      const c = await getCert(client, ns, name);
      const ready = c.status?.conditions?.find((x) => x.type === "Ready");
      return ready?.reason === "HandedBackCertificateInvalid" ? ready : undefined;
    }, 30_000, "the refusal");
    expect(r.message).toMatch(message);
    expect(await client.find(SECRETS, ns, `${name}-tls`)).toBeUndefined();
    const events = await eventually(async () => {
      const list = await client.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(EVENTS, { namespace: ns });
      const mine = list.items.filter((e) => e.reason === "HandedBackCertificateInvalid" && e.regarding?.name === name);
      return mine.length > 0 ? mine : undefined;
    }, 30_000, "the HandedBackCertificateInvalid event");
    expect(events).toHaveLength(1);
  });

  it("a connector that cannot revoke says so in a condition, and the certificate stays", async () => {
    const before = await secretData(client, ns, "tpp-tls");
    await client.patch(CERTIFICATES, ns, "tpp", { spec: { revocation: { reason: "keyCompromise" } } });
    const r = await waitNotReady(client, ns, "tpp");
    expect(r.reason).toBe("RevocationNotSupported");
    expect(r.message).toContain("manual");
    expect(await secretData(client, ns, "tpp-tls")).toEqual(before);
  });
});
