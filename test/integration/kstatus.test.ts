// certwright's status as GitOps tools read it: kstatus's rules (test/harness/kstatus.ts, as Flux
// computes health) applied to live objects on the real API server, through each lifecycle state.
// Beyond kstatus, every condition and status.observedGeneration must carry the current generation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../src/pki/ca.ts";
import { parseAndVerifyCsr } from "../../src/pki/csr.ts";
import { usagesForType } from "../../src/pki/usages.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { computeKStatus, observedEverywhere, type KStatus, type ObjectLike } from "../harness/kstatus.ts";
import { getCert, secretData, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const DAY = 86_400_000;
const client = testClient();
let ns: string;
let op: RunningOperator;
let portal: { certificatePem: string; privateKeyPem: string };

const profile = (name: string, spec: Record<string, unknown>) =>
  client.create<KubeObject>(RA_PROFILES, { metadata: { name, namespace: ns }, spec } as KubeObject);

const certificate = (name: string, profileName: string, spec: Record<string, unknown> = {}) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: profileName }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], ...spec },
  } as KubeObject);

/**
 * Waits until the operator has judged the object's current generation (status.observedGeneration
 * equals it: before that kstatus reads the generation gap or, without status, Current) and
 * kstatus reads `want`; returns the object.
 */
async function waitKStatus(get: () => Promise<ObjectLike>, want: KStatus, what: string): Promise<ObjectLike> {
  let last = "";
  return eventually(async () => {
    const o = await get();
    if (o.status?.observedGeneration === undefined || o.status.observedGeneration !== o.metadata?.generation) return undefined;
    const r = computeKStatus(o);
    last = `${r.status}: ${r.message}`;
    return r.status === want ? o : undefined;
  }, 30_000, `${what} to read ${want} (last: ${last})`);
}

const cert = (name: string) => () => getCert(client, ns, name) as Promise<ObjectLike>;
const raProfile = (name: string) => () => client.get<KubeObject>(RA_PROFILES, ns, name) as Promise<ObjectLike>;

async function portalSigns(csrPem: string): Promise<string> {
  const csr = await parseAndVerifyCsr(csrPem);
  const notBefore = floorToSecond(op.clock.now());
  return signCertificate({
    issuer: portal, publicKeyPem: csr.publicKeyPem, subject: csr.subject, sans: csr.sans,
    ...usagesForType("server", csr.key.algorithm), notBefore, notAfter: new Date(notBefore.getTime() + 350 * DAY),
  });
}

beforeAll(async () => {
  ns = await freshNamespace(client, "kstatus");
  op = await startOperator({ namespace: ns });
  portal = await createCertificateAuthority({ commonName: "portal CA", now: op.clock.now() });
  await profile("local", { authority: { type: "local", local: { caSecretName: "local-ca" } }, policy: { dnsNames: ["*.example.com"] } });
  await profile("portal", { authority: { type: "manual", manual: { instructions: "portal" } } });
});

afterAll(async () => {
  await op?.stop();
});

describe("kstatus reads certwright's status", () => {
  it("a just-created Certificate is InProgress (never Current before anything was issued)", async () => {
    await certificate("fresh", "portal");
    const o = await waitKStatus(cert("fresh"), "InProgress", "the new Certificate");
    expect(o.status?.conditions?.find((c) => c.type === "Reconciling")?.status).toBe("True");
    expect(o.status?.conditions?.find((c) => c.type === "Ready")?.status).not.toBe("True");
    expect(observedEverywhere(o)).toEqual([]);
  });

  it("an issued Certificate is Current", async () => {
    await certificate("web", "local");
    const o = await waitKStatus(cert("web"), "Current", "the issued Certificate");
    expect(o.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(observedEverywhere(o)).toEqual([]);
  });

  it("a policy-refused Certificate is Failed with the policy's message", async () => {
    await certificate("outside", "local", { dnsNames: ["outside.example.org"] });
    const o = await waitKStatus(cert("outside"), "Failed", "the refused Certificate");
    expect(computeKStatus(o).message).toContain("refused by RAProfile local");
    expect(observedEverywhere(o)).toEqual([]);
  });

  it("a revoked Certificate is Failed, and its ExpiryNotice observed the revoking generation", async () => {
    await waitReady(client, ns, "web");
    await client.patch(CERTIFICATES, ns, "web", { spec: { revocation: { reason: "keyCompromise" } } });
    const o = await waitKStatus(cert("web"), "Failed", "the revoked Certificate");
    expect(computeKStatus(o).message).toContain("revoked");
    expect(o.metadata?.generation).toBe(2);
    expect(observedEverywhere(o)).toEqual([]);
    expect(o.status?.conditions?.find((c) => c.type === "ExpiryNotice")?.observedGeneration).toBe(2);
  });

  it("a renewal through a hand-off is InProgress while a person acts (still Ready, generation observed), then Current", async () => {
    await certificate("tpp", "portal");
    const first = await eventually(async () => {
      const s = await client.find<KubeObject>(SECRETS, ns, "tpp-tls-request");
      return s ? secretData(client, ns, "tpp-tls-request") : undefined;
    }, 30_000, "the request Secret");
    await client.patch(SECRETS, ns, "tpp-tls-request", { data: encodeSecretData({ "tls.crt": await portalSigns(first["tls.csr"]!), "ca.crt": portal.certificatePem }) });
    const issued = await waitKStatus(cert("tpp"), "Current", "the handed-back Certificate");
    const serial = (issued.status as { serialNumber?: string }).serialNumber;

    await client.patch(CERTIFICATES, ns, "tpp", { spec: { renewalRequest: { id: "r1" } } });
    const during = await waitKStatus(cert("tpp"), "InProgress", "the renewing Certificate");
    expect(during.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True"); // still serving
    expect(during.metadata?.generation).toBe(2);
    expect(observedEverywhere(during)).toEqual([]);

    const req = await eventually(async () => {
      const d = await secretData(client, ns, "tpp-tls-request");
      return d["tls.csr"] !== first["tls.csr"] && d["tls.key"] ? d : undefined;
    }, 30_000, "a new CSR");
    await client.patch(SECRETS, ns, "tpp-tls-request", { data: encodeSecretData({ "tls.crt": await portalSigns(req["tls.csr"]!) }) });
    const renewed = await waitKStatus(cert("tpp"), "Current", "the renewed Certificate");
    expect((renewed.status as { serialNumber?: string }).serialNumber).not.toBe(serial);
    expect(observedEverywhere(renewed)).toEqual([]);
  });

  it("a profile whose authority cannot be reached is InProgress (retrying), never Current", async () => {
    await profile("unreachable", { authority: { type: "acme", acme: { server: "https://127.0.0.1:1/directory", accountKeySecretRef: { name: "acme-account" } } } });
    const o = await waitKStatus(raProfile("unreachable"), "InProgress", "the unreachable profile");
    await eventually(async () => {
      const p = (await raProfile("unreachable")());
      return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "False" ? p : undefined;
    }, 30_000, "Ready=False on the unreachable profile");
    expect(o.status?.conditions?.find((c) => c.type === "Ready")?.status).not.toBe("True");
    expect(observedEverywhere((await raProfile("unreachable")()))).toEqual([]);
  });

  it("a disabled profile is Failed (only a change helps); a working one is Current", async () => {
    await profile("disabled", { authority: { type: "local", local: { caSecretName: "local-ca" } }, enabled: false });
    await waitKStatus(raProfile("disabled"), "Failed", "the disabled profile");
    await waitKStatus(raProfile("local"), "Current", "the local profile");
  });
});
