// The operator issuing through a real step-ca (JWK provisioner, one-time tokens): the profile
// Ready from /health and showing step-ca's root as its CA (with the CA validity metrics), a Certificate Ready that openssl verifies against step-ca's own root, no
// re-issue although step-ca's template drops most of the subject, a refusal shown as step-ca
// wrote it, and a revocation that step-ca's CRL (/1.0/crl, parsed by openssl) lists with its reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";
import { startStepCa, type StepCa } from "../harness/step-ca.ts";

const client = testClient();
let ns: string;
let ca: StepCa;
let op: RunningOperator;

function certificate(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name, namespace: ns },
    spec: {
      raProfileRef: { name: "step-ca" },
      type: "transport",
      secretName: `${name}-tls`,
      subject: { countries: ["GB"], organizations: ["Example Fintech Ltd"], commonName: `${name}.example.com` },
      dnsNames: [`${name}.example.com`],
      duration: "720h",
      privateKey: { algorithm: "ECDSA", size: 256 },
      ...spec,
    },
  } as KubeObject;
}

beforeAll(async () => {
  ca = await startStepCa(); // started before the operator's clock, so tokens are not "issued before the CA started"
  ns = await freshNamespace(client, "stepca");
  op = await startOperator({ namespace: ns });
  await client.create<SecretObject>(SECRETS, { metadata: { name: "step-provisioner", namespace: ns }, data: encodeSecretData({ "key.json": ca.provisioner.privateJwk }) });
  await client.create<KubeObject>(CONFIG_MAPS, { metadata: { name: "step-root", namespace: ns }, data: { "ca.crt": ca.rootPem } } as KubeObject);
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "step-ca", namespace: ns },
    spec: {
      authority: {
        type: "stepca",
        stepca: {
          url: ca.url,
          provisioner: { name: ca.provisioner.name, keySecretRef: { name: "step-provisioner", key: "key.json" } },
          caBundleConfigMapRef: { name: "step-root", key: "ca.crt" },
          rootFingerprint: ca.rootFingerprint,
        },
      },
      policy: { dnsNames: ["*.example.com"], allowedTypes: ["transport", "server"] },
    },
  } as KubeObject);
  await client.create<KubeObject>(CERTIFICATES, certificate("svc"));
}, 45 * 60_000); // the first run builds step-ca

afterAll(async () => {
  await op?.stop();
  await ca?.stop();
});

type Profile = KubeObject & {
  status?: { conditions?: { type: string; status: string; message: string }[]; capabilities?: string[]; caCertificate?: string; caNotBefore?: string; caNotAfter?: string };
};

async function opensslDate(pem: string, which: "startdate" | "enddate"): Promise<Date> {
  const r = await withFiles({ "c.pem": pem }, (p) => openssl("x509", "-in", p("c.pem"), "-noout", `-${which}`));
  return new Date(r.stdout.trim().replace(/^not(Before|After)=/, ""));
}

describe("stepca connector in the operator, against a real step-ca", () => {
  it("the profile is Ready (step-ca's /health answered) with issue, renew and revoke", async () => {
    const p = await eventually(async () => {
      const got = await client.get<Profile>(RA_PROFILES, ns, "step-ca");
      return got.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True") ? got : undefined;
    }, 60_000, "the profile Ready");
    expect(p.status?.capabilities?.sort()).toEqual(["issue", "renew", "revoke"]);
  });

  it("the profile's CA is step-ca's root as the harness wrote it, its validity in status and in the CA metrics", async () => {
    const p = await eventually(async () => {
      const got = await client.get<Profile>(RA_PROFILES, ns, "step-ca");
      return got.status?.caCertificate ? got : undefined;
    }, 60_000, "the profile's caCertificate");
    expect(p.status!.caCertificate!.trim()).toBe(ca.rootPem.trim());
    const notAfter = await opensslDate(ca.rootPem, "enddate");
    expect(new Date(p.status!.caNotAfter!).getTime()).toBe(notAfter.getTime());
    expect(new Date(p.status!.caNotBefore!).getTime()).toBe((await opensslDate(ca.rootPem, "startdate")).getTime());
    const expiration = await eventually(async () => {
      const m = await op.metrics.registry.getSingleMetric("certwright_ca_expiration_timestamp_seconds")?.get();
      return m?.values.find((v) => v.labels.profile === "step-ca" && v.labels.namespace === ns)?.value;
    }, 30_000, "the CA expiration gauge");
    expect(expiration).toBe(Math.floor(notAfter.getTime() / 1000));
    // A certificate step-ca issued verifies against the CA the profile shows.
    await waitReady(client, ns, "svc");
    const [leaf, ...chain] = splitPemBundle((await secretData(client, ns, "svc-tls"))["tls.crt"]!);
    await withFiles({ "ca.pem": p.status!.caCertificate!, "chain.pem": chain.join(""), "leaf.pem": leaf! }, async (f) => {
      const v = await openssl("verify", "-CAfile", f("ca.pem"), "-untrusted", f("chain.pem"), f("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
    });
  });

  it("issues a certificate openssl verifies against step-ca's own root, with the requested validity", async () => {
    const c = await waitReady(client, ns, "svc");
    const data = await secretData(client, ns, "svc-tls");
    const [leaf, ...chain] = splitPemBundle(data["tls.crt"]!);
    expect(chain.map((p) => p.trim())).toEqual([ca.intermediatePem.trim()]);
    expect(data["ca.crt"]!.trim()).toBe(ca.rootPem.trim());
    const info = inspectCertificate(leaf!);
    expect(info.sans.dnsNames).toEqual(["svc.example.com"]);
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(720 * 3_600_000);
    expect(c.status?.serialNumber).toBe(info.serialNumber);
    await withFiles({ "root.pem": ca.rootPem, "chain.pem": chain.join(""), "leaf.pem": leaf! }, async (p) => {
      const v = await openssl("verify", "-CAfile", p("root.pem"), "-untrusted", p("chain.pem"), "-purpose", "sslclient", p("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
    });
    expect(op.logs()).not.toContain(JSON.parse(ca.provisioner.privateJwk).d);
  });

  it("does not re-issue on later reconciles, although step-ca's default template kept only the common name", async () => {
    const leaf = splitPemBundle((await secretData(client, ns, "svc-tls"))["tls.crt"]!)[0]!;
    const subject = await withFiles({ "leaf.pem": leaf }, (p) => openssl("x509", "-in", p("leaf.pem"), "-noout", "-subject"));
    expect(subject.stdout.trim()).toBe("subject=CN = svc.example.com");
    const before = (await getCert(client, ns, "svc")).status!.serialNumber;
    const writes = op.secretWrites();
    await op.forceReconcile(ns, "svc");
    await op.forceReconcile(ns, "svc");
    expect(op.secretWrites()).toBe(writes);
    expect((await getCert(client, ns, "svc")).status!.serialNumber).toBe(before);
  });

  it("a duration beyond the provisioner's maximum is step-ca's refusal: Ready=False with its message, no back-off", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("too-long", { duration: "9500h" }));
    const r = await waitNotReady(client, ns, "too-long");
    expect(r.reason).toBe("Refused");
    expect(r.message).toContain("more than the authorized maximum certificate duration");
    const c = await getCert(client, ns, "too-long");
    expect(c.status?.failedIssuanceAttempts ?? 0).toBe(0);
    expect(c.status?.nextRetryTime).toBeUndefined();
  });

  it("revokes through step-ca; its CRL from /1.0/crl lists the serial with the reason", async () => {
    const serial = (await getCert(client, ns, "svc")).status!.serialNumber!;
    await client.patch(CERTIFICATES, ns, "svc", { spec: { revocation: { reason: "keyCompromise" } } });
    const r = await waitNotReady(client, ns, "svc");
    expect(r.reason).toBe("Revoked");
    const text = await eventually(async () => {
      const crl = await withFiles({ "crl.der": await ca.crlDer(), "ca.pem": ca.intermediatePem }, (p) =>
        openssl("crl", "-inform", "DER", "-in", p("crl.der"), "-noout", "-text", "-CAfile", p("ca.pem")),
      );
      expect(crl.stderr).toContain("verify OK");
      return crl.stdout.toLowerCase().includes(serial.toLowerCase()) ? crl.stdout : undefined;
    }, 30_000, "the serial in step-ca's CRL");
    const entry = text.split("Serial Number: ").find((s) => s.toLowerCase().replace(/^0+/, "").startsWith(serial.toLowerCase()));
    expect(entry).toContain("Key Compromise");
  });
});
