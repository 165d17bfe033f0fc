// Specs the API server accepts but the RA must refuse: each gives Ready=False with a reason and
// a message naming the rule, issues nothing, and leaves the operator working for everyone else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, CLUSTER_RA_PROFILES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { buildCsr } from "../../src/pki/csr.ts";
import { generatePrivateKey } from "../../src/pki/keys.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
let ns: string;
let op: RunningOperator;

const profile = (name: string, spec: Record<string, unknown>) =>
  client.create<KubeObject>(RA_PROFILES, { metadata: { name, namespace: ns }, spec: { authority: { type: "local", local: { caSecretName: `${name}-ca` } }, ...spec } } as KubeObject);

const certificate = (name: string, spec: Record<string, unknown>) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: "strict" }, type: "server", secretName: `${name}-tls`, dnsNames: ["a.strict.example"], ...spec },
  } as KubeObject);

beforeAll(async () => {
  ns = await freshNamespace(client, "refuse");
  op = await startOperator({ namespace: undefined });
  await profile("strict", {
    policy: {
      allowedTypes: ["server", "client"],
      keyAlgorithms: [{ algorithm: "ECDSA", sizes: [256] }],
      maxDuration: "2160h",
      minDuration: "24h",
      allowedSubjectAttributes: ["commonName", "organizations"],
      requiredSubjectAttributes: ["organizations"],
      dnsNames: ["*.strict.example"],
      ipAddresses: ["10.0.0.0/8"],
      uris: ["spiffe://strict/*"],
      emailAddresses: ["*@strict.example"],
    },
    defaults: { privateKey: { algorithm: "ECDSA", size: 256 }, duration: "720h", renewBefore: "240h" },
  });
  await profile("off", { enabled: false });
  await profile("external-ok", { policy: { allowExternalCSR: true } });
  await profile("no-ca", { authority: { type: "local", local: { caSecretName: "missing-ca", generate: false } } });
  await client.create<KubeObject>(CLUSTER_RA_PROFILES, {
    metadata: { name: `only-labelled-${ns}` },
    spec: { authority: { type: "local", local: { caSecretName: "cluster-ca" } }, namespaceSelector: { matchLabels: { "certwright.dev/pki": "enabled" } } },
  } as KubeObject);
});

afterAll(async () => {
  await op?.stop();
});

const subject = { organizations: ["Acme"], commonName: "a.strict.example" };

const cases: { name: string; spec: Record<string, unknown>; reason: string; message: string }[] = [
  { name: "unknown-profile", spec: { raProfileRef: { name: "nope" } }, reason: "ProfileNotFound", message: "RAProfile nope not found" },
  { name: "disabled-profile", spec: { raProfileRef: { name: "off" } }, reason: "ProfileDisabled", message: "RAProfile off is disabled" },
  { name: "unknown-cluster-profile", spec: { raProfileRef: { name: "nope", kind: "ClusterRAProfile" } }, reason: "ProfileNotFound", message: "ClusterRAProfile nope not found" },
  { name: "type-not-allowed", spec: { type: "signing", subject, dnsNames: undefined }, reason: "TypeNotAllowed", message: "signing" },
  { name: "rsa-not-allowed", spec: { subject, privateKey: { algorithm: "RSA", size: 2048 } }, reason: "KeyAlgorithmNotAllowed", message: "RSA" },
  { name: "ec384-not-allowed", spec: { subject, privateKey: { algorithm: "ECDSA", size: 384 } }, reason: "KeySizeNotAllowed", message: "384" },
  { name: "too-long", spec: { subject, duration: "8760h" }, reason: "DurationTooLong", message: "2160h" },
  { name: "too-short", spec: { subject, duration: "1h", renewBefore: "30m" }, reason: "DurationTooShort", message: "24h" },
  { name: "dns-not-allowed", spec: { subject, dnsNames: ["evil.com"] }, reason: "DNSNameNotAllowed", message: "evil.com" },
  { name: "dns-two-labels", spec: { subject, dnsNames: ["a.b.strict.example"] }, reason: "DNSNameNotAllowed", message: "a.b.strict.example" },
  { name: "ip-not-allowed", spec: { subject, ipAddresses: ["192.168.1.1"] }, reason: "IPAddressNotAllowed", message: "192.168.1.1" },
  { name: "uri-not-allowed", spec: { subject, uris: ["spiffe://other/x"] }, reason: "URINotAllowed", message: "spiffe://other/x" },
  { name: "email-not-allowed", spec: { subject, emailAddresses: ["a@evil.com"] }, reason: "EmailNotAllowed", message: "a@evil.com" },
  { name: "subject-attr-not-allowed", spec: { subject: { ...subject, countries: ["GB"] } }, reason: "SubjectAttributeNotAllowed", message: "countries" },
  { name: "subject-attr-missing", spec: { subject: { commonName: "a.strict.example" } }, reason: "SubjectAttributeMissing", message: "organizations" },
  { name: "external-csr-not-allowed", spec: { subject, dnsNames: undefined, csrSecretRef: { name: "some-csr" } }, reason: "ExternalCSRNotAllowed", message: "CSR" },
];

describe("refusals", () => {
  it.each(cases)("$name → Ready=False $reason, nothing issued", async (c) => {
    const spec = Object.fromEntries(Object.entries(c.spec).filter(([, v]) => v !== undefined));
    const full = { ...spec };
    if (c.spec.dnsNames === undefined && "dnsNames" in c.spec) full.dnsNames = undefined;
    await certificate(c.name, full);
    const ready = await waitNotReady(client, ns, c.name);
    expect(ready.reason).toBe(c.reason);
    expect(ready.message).toContain(c.message);
    expect(await client.find<SecretObject>(SECRETS, ns, `${c.name}-tls`)).toBeUndefined();
  });

  it("a ClusterRAProfile refuses a namespace outside its selector, and serves it once labelled", async () => {
    await certificate("cluster-ref", { raProfileRef: { name: `only-labelled-${ns}`, kind: "ClusterRAProfile" }, dnsNames: ["x.example.org"] });
    const r = await waitNotReady(client, ns, "cluster-ref");
    expect(r.reason).toBe("ProfileNotAllowed");
    await client.patch(
      { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
      undefined, ns, { metadata: { labels: { "certwright.dev/pki": "enabled" } } },
    );
    const c = await waitReady(client, ns, "cluster-ref");
    expect(c.status?.revision).toBe(1);
  });

  it("a CA that cannot be reached backs off exponentially, recorded in status, without a tight loop", async () => {
    await certificate("no-ca-cert", { raProfileRef: { name: "no-ca" }, subject });
    const first = await waitNotReady(client, ns, "no-ca-cert");
    expect(first.reason).toBe("CANotFound");
    expect(first.message).toContain("missing-ca");
    const s1 = (await getCert(client, ns, "no-ca-cert")).status!;
    expect(s1.failedIssuanceAttempts).toBe(1);
    const next1 = new Date((s1 as { nextRetryTime: string }).nextRetryTime).getTime();
    expect(next1 - op.clock.now().getTime()).toBeLessThanOrEqual(10_000);
    await op.forceReconcile(ns, "no-ca-cert"); // a look before the fake clock reaches the retry: no attempt
    expect((await getCert(client, ns, "no-ca-cert")).status!.failedIssuanceAttempts).toBe(1);
    op.clock.set(new Date(next1 + 1000));
    const s2 = await eventuallyAttempts(2);
    const next2 = new Date((s2 as { nextRetryTime: string }).nextRetryTime).getTime();
    expect(next2 - new Date((s2 as { lastFailureTime: string }).lastFailureTime).getTime()).toBe(20_000);
  });

  it("an external CSR that is missing is a clear failure; a good one is signed and no key is stored", async () => {
    await certificate("ext-missing", { raProfileRef: { name: "external-ok" }, csrSecretRef: { name: "absent" }, dnsNames: undefined });
    const r = await waitNotReady(client, ns, "ext-missing");
    expect(r.reason).toBe("CSRNotFound");
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "ext.example.com" }, sans: { dnsNames: ["ext.example.com"] } });
    await client.create<SecretObject>(SECRETS, { metadata: { name: "ext-csr", namespace: ns }, data: encodeSecretData({ "tls.csr": csr }) });
    await certificate("ext-good", {
      raProfileRef: { name: "external-ok" }, csrSecretRef: { name: "ext-csr" }, type: "server", dnsNames: ["ext.example.com"], subject: { commonName: "ext.example.com" },
    });
    await waitReady(client, ns, "ext-good");
    const secret = await client.get<SecretObject>(SECRETS, ns, "ext-good-tls");
    expect(Buffer.from(secret.data?.["tls.key"] ?? "", "base64").toString()).toBe("");
  });

  it("the operator survived all of the above: a good certificate still issues", async () => {
    await certificate("good", { subject });
    const c = await waitReady(client, ns, "good");
    expect(c.status?.revision).toBe(1);
    expect(op.logs()).not.toContain("PRIVATE KEY");
  });
});

async function eventuallyAttempts(n: number) {
  return eventually(async () => {
    const s = (await getCert(client, ns, "no-ca-cert")).status!;
    return s.failedIssuanceAttempts === n ? s : undefined;
  }, 30_000, `failedIssuanceAttempts ${n}`);
}
