// Lifecycle beyond issuance, on the real control plane: revocation and the CRL (checked by a real
// mTLS server and by openssl), renew vs rekey, supersede and delete policies, the inventory,
// PKCS#12 and JWKS outputs, and bad inputs that must change nothing already issued.
import { request, createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactVerify, createLocalJWKSet, importPKCS8, CompactSign } from "jose";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS, EVENTS, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { startHealthServer } from "../../src/observability/http-server.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { CrlPublisher } from "../../src/controllers/profiles/crl-publisher.ts";
import { buildCsr } from "../../src/pki/csr.ts";
import { generatePrivateKey } from "../../src/pki/keys.ts";
import { openssl, run, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, readyOf, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
let ns: string;
let op: RunningOperator;

const certificate = (name: string, spec: Record<string, unknown>, profile = "ca") =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: profile }, secretName: `${name}-tls`, privateKey: { algorithm: "ECDSA", size: 256 }, ...spec },
  } as KubeObject);

const profile = (name: string, revocation: Record<string, string>, extra: Record<string, unknown> = {}) =>
  client.create<KubeObject>(RA_PROFILES, {
    metadata: { name, namespace: ns },
    spec: { authority: { type: "local", local: { caSecretName: "shared-ca", crlDistributionPoints: ["http://certwright.certwright.svc:9402/crl/x.crl"] } }, revocation, ...extra },
  } as KubeObject);

async function currentCrl(profileName = "ca"): Promise<string> {
  const cm = await client.get<KubeObject & { data: Record<string, string> }>(CONFIG_MAPS, ns, `${profileName}-crl`);
  return cm.data["ca.crl"]!;
}

async function crlText(profileName = "ca"): Promise<string> {
  return withFiles({ "crl.pem": await currentCrl(profileName) }, async (p) => (await openssl("crl", "-in", p("crl.pem"), "-noout", "-text")).stdout);
}

async function eventReasons(name: string): Promise<string[]> {
  const list = await client.list<KubeObject & { reason: string; regarding: { name: string } }>(EVENTS, { namespace: ns });
  return list.items.filter((e) => e.regarding.name === name).map((e) => e.reason);
}

const revoke = (name: string, reason: string) => client.patch(CERTIFICATES, ns, name, { spec: { revocation: { reason } } });
const unrevoke = (name: string) => client.patch(CERTIFICATES, ns, name, { spec: { revocation: null } });

beforeAll(async () => {
  ns = await freshNamespace(client, "life");
  op = await startOperator({ namespace: ns });
  await profile("ca", { onSupersede: "Retain", onDelete: "Retain" }, { policy: { allowExternalCSR: true, dnsNames: ["*.example.com"] } });
  await profile("strict-revoke", { onSupersede: "Revoke", onDelete: "Revoke" });
});

afterAll(async () => {
  await op?.stop();
});

describe("mTLS with revocation", () => {
  it("a server that trusts the CA and checks its CRL accepts the transport client, then refuses it once revoked", async () => {
    await certificate("server", { type: "server", dnsNames: ["api.example.com"] });
    await certificate("tpp", { type: "transport", subject: { countries: ["GB"], organizations: ["TPP Ltd"], commonName: "tpp" } });
    await waitReady(client, ns, "server");
    await waitReady(client, ns, "tpp");
    const srv = await secretData(client, ns, "server-tls");
    const cli = await secretData(client, ns, "tpp-tls");
    const crl0 = await eventually(() => currentCrl().catch(() => undefined), 20_000, "first CRL");

    const server = await mtlsServer(srv, crl0);
    try {
      expect(await callWith(server, cli)).toBe("hello tpp");
      await revoke("tpp", "keyCompromise");
      const serial = (await getCert(client, ns, "tpp")).status!.serialNumber!;
      await eventually(async () => ((await crlText()).toUpperCase().includes(serial.toUpperCase()) ? true : undefined), 20_000, "CRL with the serial");
      server.setSecureContext({ key: srv["tls.key"], cert: srv["tls.crt"], ca: srv["ca.crt"], crl: await currentCrl() });
      await expect(callWith(server, cli)).rejects.toThrow();
    } finally {
      server.close();
    }
    const r = await waitNotReady(client, ns, "tpp");
    expect(r.reason).toBe("Revoked");
    expect(await eventReasons("tpp")).toContain("Revoked");
  });

  it("the CRL is signed by the CA, carries number, dates and reasons, and is served over HTTP", async () => {
    const text = await crlText();
    expect(text).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(text).toContain("Next Update:");
    expect(text).toContain("Key Compromise");
    const ca = (await secretData(client, ns, "server-tls"))["ca.crt"]!;
    await withFiles({ "crl.pem": await currentCrl(), "ca.pem": ca }, async (p) => {
      const v = await openssl("crl", "-in", p("crl.pem"), "-CAfile", p("ca.pem"), "-noout");
      expect(v.stderr + v.stdout).toContain("verify OK");
    });
    const health = await startHealthServer({
      port: 0, host: "127.0.0.1", registry: createMetrics().registry, isReady: () => true, isHealthy: () => true,
      routes: { "/crl/*": op.operator.crls.route() },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${health.port}/crl/${ns}/ca.crl`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pkix-crl");
      const der = Buffer.from(await res.arrayBuffer());
      await withFiles({ "crl.der": der }, async (p) => {
        const t = await openssl("crl", "-inform", "DER", "-in", p("crl.der"), "-noout", "-text");
        expect(t.stdout).toContain("Key Compromise");
      });
      expect((await fetch(`http://127.0.0.1:${health.port}/crl/${ns}/nope.crl`)).status).toBe(404);
    } finally {
      await health.close();
    }
    // A replica that is not the leader never published, and serves the CRL from the ConfigMap.
    const follower = new CrlPublisher(client, "certwright-system", () => op.clock.now());
    const res = await follower.route()({ path: `/crl/${ns}/ca.crl`, query: new URLSearchParams(), headers: {} });
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body).equals(op.operator.crls.served.get(`/crl/${ns}/ca.crl`)!)).toBe(true);
  });

  it("the CRL is re-signed before its nextUpdate, with a larger CRL number and the same entries", async () => {
    const number = async () => Number(/CRL Number:\s+(\d+)/.exec(await crlText())?.[1]);
    const before = await number();
    const revokedBefore = ((await crlText()).match(/Serial Number:/g) ?? []).length;
    op.clock.set(new Date(op.clock.now().getTime() + 13 * 3_600_000)); // past half of the 24 h validity
    await eventually(async () => ((await number()) > before ? true : undefined), 20_000, "a refreshed CRL");
    expect(((await crlText()).match(/Serial Number:/g) ?? []).length).toBe(revokedBefore);
  });

  it("after a keyCompromise revocation, lifting it issues a replacement that never reuses the key", async () => {
    const before = await getCert(client, ns, "tpp");
    const oldKey = (await secretData(client, ns, "tpp-tls"))["tls.key"];
    await client.patch(CERTIFICATES, ns, "tpp", { spec: { privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" } } });
    await unrevoke("tpp");
    const after = await waitReady(client, ns, "tpp", (s) => s.serialNumber !== before.status!.serialNumber);
    expect((await secretData(client, ns, "tpp-tls"))["tls.key"]).not.toBe(oldKey);
    expect(after.status!.history!.map((h) => h.state)).toEqual(["issued", "revoked"]);
  });
});

describe("renew, rekey and policies", () => {
  it("rotationPolicy Never renews with the same key; a renewalRequest with rekey makes a new one", async () => {
    await certificate("keep", { type: "client", subject: { commonName: "keep" }, privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" } });
    const first = await waitReady(client, ns, "keep");
    const key1 = (await secretData(client, ns, "keep-tls"))["tls.key"];
    await client.patch(CERTIFICATES, ns, "keep", { spec: { renewalRequest: { id: "renew-1" } } });
    const second = await waitReady(client, ns, "keep", (s) => s.serialNumber !== first.status!.serialNumber);
    expect((await secretData(client, ns, "keep-tls"))["tls.key"]).toBe(key1);
    await client.patch(CERTIFICATES, ns, "keep", { spec: { renewalRequest: { id: "rekey-1", rekey: true } } });
    await waitReady(client, ns, "keep", (s) => s.serialNumber !== second.status!.serialNumber);
    expect((await secretData(client, ns, "keep-tls"))["tls.key"]).not.toBe(key1);
    const c = await getCert(client, ns, "keep");
    expect(c.status!.history!.map((h) => h.state)).toEqual(["issued", "superseded", "superseded"]);
    const events = await eventReasons("keep");
    expect(events.filter((e) => e === "Issued").length).toBeGreaterThanOrEqual(3);
  });

  it("onSupersede Revoke revokes the replaced certificate; onDelete Revoke revokes on deletion through a finalizer", async () => {
    await certificate("rot", { type: "client", subject: { commonName: "rot" } }, "strict-revoke");
    const first = await waitReady(client, ns, "rot");
    const withFinalizer = await getCert(client, ns, "rot");
    expect(withFinalizer.metadata.finalizers).toContain("certwright.dev/revoke-on-delete");
    await client.patch(CERTIFICATES, ns, "rot", { spec: { renewalRequest: { id: "1" } } });
    const second = await waitReady(client, ns, "rot", (s) => s.serialNumber !== first.status!.serialNumber);
    expect(second.status!.history!.map((h) => `${h.state}`)).toEqual(["issued", "revoked"]);
    await eventually(async () => ((await crlText("strict-revoke")).toUpperCase().includes(first.status!.serialNumber!.toUpperCase()) ? true : undefined), 20_000, "superseded serial in CRL");
    expect(await crlText("strict-revoke")).toContain("Superseded");

    await client.delete(CERTIFICATES, ns, "rot");
    await eventually(async () => ((await client.find(CERTIFICATES, ns, "rot")) ? undefined : true), 20_000, "deletion to finish");
    await eventually(async () => ((await crlText("strict-revoke")).toUpperCase().includes(second.status!.serialNumber!.toUpperCase()) ? true : undefined), 20_000, "deleted serial in CRL");
    expect(await crlText("strict-revoke")).toContain("Cessation Of Operation");
    expect(await client.find<SecretObject>(SECRETS, ns, "rot-tls")).toBeDefined(); // Secrets are never deleted by us
  });

  it("a Retain profile adds no finalizer", async () => {
    const c = await getCert(client, ns, "server");
    expect(c.metadata.finalizers ?? []).not.toContain("certwright.dev/revoke-on-delete");
  });
});

describe("outputs", () => {
  it("a PKCS#12 keystore that openssl and keytool read with the password; a JWKS that verifies a JWS", async () => {
    await client.create<SecretObject>(SECRETS, { metadata: { name: "p12-pass", namespace: ns }, data: encodeSecretData({ password: "s3cret-pass" }) });
    await certificate("signer", {
      type: "signing", subject: { commonName: "signer" }, jwks: { enabled: true },
      keystores: { pkcs12: { create: true, passwordSecretRef: { name: "p12-pass", key: "password" } } },
    });
    await waitReady(client, ns, "signer");
    const raw = await client.get<SecretObject>(SECRETS, ns, "signer-tls");
    const p12 = Buffer.from(raw.data!["keystore.p12"]!, "base64");
    await withFiles({ "k.p12": p12 }, async (p) => {
      const info = await openssl("pkcs12", "-in", p("k.p12"), "-info", "-noout", "-passin", "pass:s3cret-pass");
      expect(info.code).toBe(0);
      const wrong = await openssl("pkcs12", "-in", p("k.p12"), "-noout", "-passin", "pass:wrong");
      expect(wrong.code).not.toBe(0);
      const kt = await run("keytool", ["-list", "-keystore", p("k.p12"), "-storetype", "PKCS12", "-storepass", "s3cret-pass"]);
      expect(kt.stdout).toContain("PrivateKeyEntry");
    });
    const data = await secretData(client, ns, "signer-tls");
    const jwks = JSON.parse(data["jwks.json"]!) as { keys: { kid: string; use: string; x5c: string[] }[] };
    expect(jwks.keys[0]!.use).toBe("sig");
    expect(jwks.keys[0]!.x5c.length).toBeGreaterThanOrEqual(1);
    const key = await importPKCS8(data["tls.key"]!, "ES256");
    const jws = await new CompactSign(new TextEncoder().encode("payload")).setProtectedHeader({ alg: "ES256", kid: jwks.keys[0]!.kid }).sign(key);
    const verified = await compactVerify(jws, createLocalJWKSet(jwks as never));
    expect(new TextDecoder().decode(verified.payload)).toBe("payload");
  });

  it("a missing keystore password Secret gives a clear condition and changes nothing issued", async () => {
    await certificate("nopass", { type: "client", subject: { commonName: "nopass" } });
    const before = await waitReady(client, ns, "nopass");
    const dataBefore = await secretData(client, ns, "nopass-tls");
    await client.patch(CERTIFICATES, ns, "nopass", { spec: { keystores: { pkcs12: { create: true, passwordSecretRef: { name: "absent", key: "password" } } } } });
    const r = await waitNotReady(client, ns, "nopass");
    expect(r.reason).toBe("KeystorePasswordNotFound");
    expect(r.message).toContain("absent");
    expect((await getCert(client, ns, "nopass")).status!.serialNumber).toBe(before.status!.serialNumber);
    expect(await secretData(client, ns, "nopass-tls")).toEqual(dataBefore);
  });
});

describe("external CSRs and bad inputs", () => {
  it("a CSR with a broken signature is refused with InvalidCSR and nothing is issued", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "x.example.com" }, sans: { dnsNames: ["x.example.com"] } });
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5]! ^= 0xff;
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    await client.create<SecretObject>(SECRETS, { metadata: { name: "broken-csr", namespace: ns }, data: encodeSecretData({ "tls.csr": broken }) });
    await client.create<KubeObject>(CERTIFICATES, { metadata: { name: "broken", namespace: ns }, spec: { raProfileRef: { name: "ca" }, type: "server", secretName: "broken-tls", csrSecretRef: { name: "broken-csr" } } } as KubeObject);
    const r = await waitNotReady(client, ns, "broken");
    expect(r.reason).toBe("InvalidCSR");
    expect(r.message).toMatch(/signature/i);
    expect(await client.find(SECRETS, ns, "broken-tls")).toBeUndefined();
  });

  it("a CSR asking for names outside the policy is refused, naming the name", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "evil.org" }, sans: { dnsNames: ["evil.org"] } });
    await client.create<SecretObject>(SECRETS, { metadata: { name: "evil-csr", namespace: ns }, data: encodeSecretData({ "tls.csr": csr }) });
    await client.create<KubeObject>(CERTIFICATES, { metadata: { name: "evil", namespace: ns }, spec: { raProfileRef: { name: "ca" }, type: "server", secretName: "evil-tls", csrSecretRef: { name: "evil-csr" } } } as KubeObject);
    const r = await waitNotReady(client, ns, "evil");
    expect(r.reason).toBe("DNSNameNotAllowed");
    expect(r.message).toContain("evil.org");
    expect(await client.find(SECRETS, ns, "evil-tls")).toBeUndefined();
  });

  it("a revocation reason that does not exist is refused at apply time and the certificate stays valid", async () => {
    const before = await waitReady(client, ns, "server");
    await expect(revoke("server", "becauseISaidSo")).rejects.toMatchObject({ status: 422 });
    const after = await getCert(client, ns, "server");
    expect(readyOf(after)?.status).toBe("True");
    expect(after.status!.serialNumber).toBe(before.status!.serialNumber);
  });

  it("the inventory lists every certificate with its state", async () => {
    const { inventoryRows } = await import("../../src/cli/inventory-table.ts");
    const certs = await client.list<KubeObject>(CERTIFICATES, { namespace: ns });
    const rows = inventoryRows(certs.items, op.clock.now());
    const states = new Set(rows.map((r) => r.state));
    expect(states).toEqual(new Set(["issued", "superseded", "revoked"]));
    expect(rows.find((r) => r.name === "tpp" && r.state === "revoked")?.revocationReason).toBe("keyCompromise");
  });
});

function mtlsServer(srv: Record<string, string>, crl: string): Promise<Server> {
  const server = createServer(
    { key: srv["tls.key"], cert: srv["tls.crt"], ca: srv["ca.crt"], crl, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as unknown as { getPeerCertificate(): { subject: { CN: string } } }).getPeerCertificate();
      res.end(`hello ${peer.subject.CN}`);
    },
  );
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function callWith(server: Server, cli: Record<string, string>): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/", servername: "api.example.com", ca: cli["ca.crt"], key: cli["tls.key"], cert: cli["tls.crt"], agent: false },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
