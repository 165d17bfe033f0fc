// The stepca connector against a real step-ca (built from its Go module, started on loopback by
// test/harness/step-ca.ts): the shared conformance suite, then step-ca's own refusals.
import { createServer, type Server } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStepCa, type StepCa } from "../../../test/harness/step-ca.ts";
import { createCertificateAuthority } from "../../pki/ca.ts";
import { buildCsr } from "../../pki/csr.ts";
import { formatDn, certificateNames } from "../../pki/dn.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { pemDecode } from "../../pki/pem.ts";
import type { SanSpec, SubjectSpec } from "../../pki/subject.ts";
import { openssl, withFiles } from "../../pki/testing/openssl.ts";
import type { IssueRequest } from "../connector.ts";
import { connectorConformance, MemorySecretStore } from "../testing/conformance.ts";
import { createConnector } from "../factory.ts";
import { undiciHttpClient, type HttpClientOptions } from "../shared/http.ts";
import { parseProvisionerKey } from "./provisioner-key.ts";
import { StepcaClient } from "./stepca-client.ts";
import { StepcaConnector, type StepcaAuthorityConfig } from "./stepca-connector.ts";
import { mintToken } from "./token.ts";

/** step-ca's template language: the CSR's whole subject instead of the token's common name. */
export const FULL_SUBJECT_TEMPLATE = `{
  "subject": {{ toJson .Insecure.CR.Subject }},
  "sans": {{ toJson .SANs }},
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
  "keyUsage": ["keyEncipherment", "digitalSignature"],
{{- else }}
  "keyUsage": ["digitalSignature"],
{{- end }}
  "extKeyUsage": ["serverAuth", "clientAuth"]
}`;

let ca: StepCa;
beforeAll(async () => {
  ca = await startStepCa({ acme: true, provisioners: [{ name: "certwright" }, { name: "full-subject", x509Template: FULL_SUBJECT_TEMPLATE }] });
}, 45 * 60_000); // the first run builds step-ca
afterAll(async () => {
  await ca?.stop();
});

function connector(extra: Partial<StepcaAuthorityConfig> = {}, key = ca.provisioner.privateJwk, name = ca.provisioner.name) {
  const store = new MemorySecretStore();
  store.set("step-provisioner", { "key.json": key });
  store.set("step-root", { "ca.crt": ca.rootPem });
  const config: StepcaAuthorityConfig = {
    url: ca.url,
    provisioner: { name, keySecretRef: { name: "step-provisioner", key: "key.json" } },
    caBundleSecretRef: { name: "step-root", key: "ca.crt" },
    ...extra,
  };
  return { connector: new StepcaConnector(config, store, () => new Date()), store };
}

async function request(subject: SubjectSpec, sans: SanSpec, hours = 24): Promise<IssueRequest> {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    csrPem: await buildCsr({ privateKeyPem: key, subject, sans }),
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "transport",
    subject,
    sans,
    notBefore,
    notAfter: new Date(notBefore.getTime() + hours * 3_600_000),
  };
}

const subjectDn = (pem: string) => formatDn(certificateNames(pemDecode(pem, ["CERTIFICATE"]).der).subject);
const OPEN_FINANCE = {
  countries: ["GB"],
  organizations: ["Example Fintech Ltd"],
  organizationalUnits: ["Payments"],
  organizationIdentifier: "PSDGB-FCA-123456",
  commonName: "svc.example.com",
};

connectorConformance("stepca (real step-ca)", () => Promise.resolve({ connector: connector().connector, now: new Date() }));

describe("stepca connector against step-ca", () => {
  it("signs with the requested validity, returns the intermediate as chain and the root as ca.crt; openssl verifies", async () => {
    const req = await request({ commonName: "svc.example.com" }, { dnsNames: ["svc.example.com", "api.example.com"], ipAddresses: ["127.0.0.1"] }, 48);
    const issued = await connector().connector.issue(req);
    const info = inspectCertificate(issued.certificatePem);
    expect(info.notBefore.getTime()).toBe(req.notBefore.getTime());
    expect(info.notAfter.getTime()).toBe(req.notAfter.getTime());
    expect(info.sans.dnsNames).toEqual(["svc.example.com", "api.example.com"]);
    expect(info.sans.ipAddresses).toEqual(["127.0.0.1"]);
    expect(issued.chainPems.map((p) => p.trim())).toEqual([ca.intermediatePem.trim()]);
    expect(issued.caPem.trim()).toBe(ca.rootPem.trim());
    await withFiles({ "root.pem": issued.caPem, "chain.pem": issued.chainPems.join(""), "leaf.pem": issued.certificatePem }, async (p) => {
      const v = await openssl("verify", "-CAfile", p("root.pem"), "-untrusted", p("chain.pem"), p("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
    });
  });

  it("the default template keeps only the common name (and the SANs); a template on .Insecure.CR.Subject keeps the whole subject", async () => {
    const sans = { dnsNames: ["svc.example.com"] };
    const plain = await connector().connector.issue(await request(OPEN_FINANCE, sans));
    expect(subjectDn(plain.certificatePem)).toBe("CN=svc.example.com");
    const full = connector({}, ca.provisioners[1]!.privateJwk, "full-subject").connector;
    const kept = await full.issue(await request(OPEN_FINANCE, sans));
    const dn = subjectDn(kept.certificatePem);
    for (const part of ["C=GB", "O=Example Fintech Ltd", "OU=Payments", "CN=svc.example.com", "PSDGB-FCA-123456"]) expect(dn).toContain(part);
  });

  it("a certificate with only a common name gets it as its one DNS name (step-ca's rule for tokens without SANs)", async () => {
    const issued = await connector().connector.issue(await request({ commonName: "signing.example.com" }, {}));
    expect(inspectCertificate(issued.certificatePem).sans.dnsNames).toEqual(["signing.example.com"]);
  });

  it("takes the provisioner key as PEM (kid from the ca.json key's thumbprint) and trusts a ConfigMap bundle", async () => {
    const { connector: c, store } = connector({ caBundleSecretRef: undefined, caBundleConfigMapRef: { name: "step-roots", key: "roots.pem" } }, ca.provisioner.privatePem);
    store.configMaps.set("step-roots", { "roots.pem": ca.rootPem });
    const issued = await c.issue(await request({ commonName: "pem.example.com" }, { dnsNames: ["pem.example.com"] }));
    expect(await verifyIssuedBy(issued.certificatePem, ca.intermediatePem)).toBe(true);
  });

  it("a duration above the provisioner's maximum is step-ca's terminal refusal, with its message", async () => {
    const err = await connector().connector.issue(await request({ commonName: "long.example.com" }, { dnsNames: ["long.example.com"] }, 9001)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ConnectorError", reason: "Refused", retryable: false });
    expect((err as Error).message).toMatch(/^sign: step-ca answered HTTP 403: .*more than the authorized maximum certificate duration/);
  });

  it("a token signed with another key under the provisioner's kid is Unauthorized, terminal, and no key shows in the message", async () => {
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const jwk = JSON.stringify({ ...other.export({ format: "jwk" }), kid: ca.provisioner.kid });
    const err = await connector({}, jwk).connector.issue(await request({ commonName: "x.example.com" }, { dnsNames: ["x.example.com"] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ConnectorError", reason: "Unauthorized", retryable: false });
    expect((err as Error).message).toContain("HTTP 401");
    expect((err as Error).message).not.toContain(String((JSON.parse(jwk) as { d: string }).d));
    expect((err as Error).message).not.toContain(String((JSON.parse(ca.provisioner.privateJwk) as { d: string }).d));
  });

  it("an unknown provisioner name is refused as Unauthorized", async () => {
    const err = await connector({}, ca.provisioner.privateJwk, "nobody").connector.issue(await request({ commonName: "y.example.com" }, { dnsNames: ["y.example.com"] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "Unauthorized", retryable: false });
  });

  it("revokes passively; step-ca's CRL at /1.0/crl lists the serial with its reason (openssl); a second revoke succeeds", async () => {
    const c = connector().connector;
    const issued = await c.issue(await request({ commonName: "revoke.example.com" }, { dnsNames: ["revoke.example.com"] }));
    const serial = inspectCertificate(issued.certificatePem).serialNumber;
    await c.revoke({ serialNumber: serial, reason: "affiliationChanged", revokedAt: new Date() });
    // What the second revoke meets: step-ca's 400 "already revoked", which the connector takes as done.
    const raw = new StepcaClient(ca.url, undiciHttpClient({ caPem: ca.rootPem }));
    const key = await parseProvisionerKey(ca.provisioner.privateJwk, "test");
    const decimal = BigInt(`0x${serial}`).toString(10);
    const ott = await mintToken(key, { issuer: ca.provisioner.name, audience: raw.audience("/1.0/revoke"), subject: decimal, now: new Date() });
    await expect(raw.post("revoke", { serial: decimal, ott, reasonCode: 3, passive: true })).rejects.toMatchObject({ reason: "Rejected", message: expect.stringMatching(/HTTP 400: .*already revoked/) });
    await c.revoke({ serialNumber: serial, reason: "affiliationChanged", revokedAt: new Date() });
    const text = await withFiles({ "crl.der": await ca.crlDer(), "ca.pem": ca.intermediatePem }, async (p) => {
      const r = await openssl("crl", "-inform", "DER", "-in", p("crl.der"), "-noout", "-text", "-CAfile", p("ca.pem"));
      expect(r.stderr).toContain("verify OK");
      return r.stdout;
    });
    // openssl prints whole bytes (a leading 0 nibble included); our serials carry no leading zeros.
    const entry = text.split("Serial Number: ").find((s) => s.toLowerCase().replace(/^0+/, "").startsWith(serial.toLowerCase()));
    expect(entry, `serial ${serial} in the CRL:\n${text}`).toBeDefined();
    expect(entry).toContain("Affiliation Changed");
  });

  it("pins the root by fingerprint; a wrong fingerprint is a terminal RootFingerprintMismatch", async () => {
    const pinned = connector({ rootFingerprint: ca.rootFingerprint.toUpperCase() }).connector;
    const issued = await pinned.issue(await request({ commonName: "pin.example.com" }, { dnsNames: ["pin.example.com"] }));
    expect(issued.caPem.trim()).toBe(ca.rootPem.trim());
    const wrong = connector({ rootFingerprint: "ab".repeat(32) }).connector;
    await expect(wrong.prepare()).rejects.toMatchObject({ reason: "RootFingerprintMismatch", retryable: false });
  });

  it("prepare() returns step-ca's root (the profile's caCertificate): the pinned one, else every root /roots.pem serves", async () => {
    expect((await connector({ rootFingerprint: ca.rootFingerprint }).connector.prepare()).caPem.trim()).toBe(ca.rootPem.trim());
    const { caPem } = await connector().connector.prepare({ fresh: true });
    expect(caPem.trim()).toBe(ca.rootPem.trim());
    // The issued leaf is step-ca's intermediate's: it chains to that root through tls.crt's intermediate.
    const issued = await connector().connector.issue(await request({ commonName: "root.example.com" }, { dnsNames: ["root.example.com"] }));
    expect(await verifyIssuedBy(issued.certificatePem, caPem)).toBe(false);
    expect(await verifyIssuedBy(issued.chainPems.at(-1)!, caPem)).toBe(true);
  });

  it("the harness's ACME provisioner serves its directory (for ACME-via-step-ca tests)", async () => {
    const dir = await ca.get(new URL(ca.acmeDirectoryUrl!).pathname);
    expect(dir.status).toBe(200);
    expect(JSON.parse(dir.text)).toMatchObject({ newNonce: expect.stringContaining(ca.url), newAccount: expect.any(String), newOrder: expect.any(String) });
  });

  it("probes /health; without the root in the bundle the TLS check fails and is retryable", async () => {
    await connector().connector.probe();
    const { connector: c, store } = connector();
    store.set("step-root", { "ca.crt": (await createCertificateAuthority({ commonName: "another root", now: new Date() })).certificatePem });
    await expect(c.probe()).rejects.toMatchObject({ reason: "CAUnreachable", retryable: true });
  });

  it("a missing provisioner Secret is retryable ProvisionerKeyNotFound; the encrypted key from ca.json is a clear refusal", async () => {
    const { connector: c, store } = connector();
    store.secrets.delete("step-provisioner");
    await expect(c.prepare()).rejects.toMatchObject({ reason: "ProvisionerKeyNotFound", retryable: true });
    const enc = connector({}, ca.provisioner.encryptedKey).connector;
    const err = await enc.prepare().catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "ProvisionerKeyInvalid", retryable: false });
    expect((err as Error).message).toContain("step crypto jwe decrypt");
  });
});

describe("createConnector for stepca", () => {
  it("builds it with the injected HTTP client, the profile's timeouts and its CA bundle", async () => {
    const built: HttpClientOptions[] = [];
    const paths: string[] = [];
    const store = new MemorySecretStore();
    store.set("step-provisioner", { "key.json": ca.provisioner.privateJwk });
    store.set("step-root", { "ca.crt": ca.rootPem });
    const c = createConnector(
      {
        type: "stepca",
        stepca: { url: ca.url, provisioner: { name: ca.provisioner.name, keySecretRef: { name: "step-provisioner", key: "key.json" } }, caBundleSecretRef: { name: "step-root", key: "ca.crt" }, timeouts: { headers: "2m" } },
      },
      store,
      () => new Date(),
      {
        http: (opts) => {
          built.push(opts);
          const real = undiciHttpClient(opts);
          return (url, init) => {
            paths.push(new URL(url).pathname);
            return real(url, init);
          };
        },
      },
    );
    expect(c.type).toBe("stepca");
    await c.issue(await request({ commonName: "factory.example.com" }, { dnsNames: ["factory.example.com"] }));
    expect(built).toEqual([{ caPem: ca.rootPem, timeouts: { connectMs: 10_000, headersMs: 120_000, bodyMs: 30_000 }, maxResponseBytes: 256 * 1024 }]);
    expect(paths).toEqual(["/1.0/sign", "/roots.pem"]);
  });
});

describe("stepca connector error mapping (a server that answers like a broken step-ca)", () => {
  let server: Server;
  let status = 503;
  let reply: string | undefined;
  let url = "";
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(reply ?? JSON.stringify({ status, message: `status ${status} from the test server` }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const bare = () => connector({ url, caBundleSecretRef: undefined }).connector;

  it("5xx is a retryable ServerError; 429 retryable; 400 terminal Rejected, each with the server's message", async () => {
    const req = await request({ commonName: "e.example.com" }, { dnsNames: ["e.example.com"] });
    for (const [s, reason, retryable] of [[503, "ServerError", true], [500, "ServerError", true], [429, "RateLimited", true], [400, "Rejected", false]] as const) {
      status = s;
      const err = await bare().issue(req).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "ConnectorError", reason, retryable, message: `sign: step-ca answered HTTP ${s}: status ${s} from the test server` });
    }
  });

  it("a 201 with garbage for a certificate, or an oversized answer, is a retryable failure, never a stored certificate", async () => {
    const req = await request({ commonName: "g.example.com" }, { dnsNames: ["g.example.com"] });
    status = 201;
    try {
      reply = JSON.stringify({ crt: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", certChain: ["not a certificate"] });
      await expect(bare().issue(req)).rejects.toMatchObject({ name: "ConnectorError", reason: "InvalidCertificate", retryable: true });
      reply = JSON.stringify({ status: "no certificate here" });
      await expect(bare().issue(req)).rejects.toMatchObject({ reason: "InvalidResponse", retryable: true });
      reply = "x".repeat(300 * 1024);
      await expect(bare().issue(req)).rejects.toMatchObject({ reason: "ResponseTooLarge", retryable: true });
    } finally {
      reply = undefined;
    }
  });

  it("a revoke answered 400 for another reason than 'already revoked' is not taken as success", async () => {
    status = 400;
    await expect(bare().revoke({ serialNumber: "0a", reason: "keyCompromise", revokedAt: new Date() })).rejects.toMatchObject({ reason: "Rejected" });
  });

  it("an unreachable step-ca is retryable CAUnreachable", async () => {
    await expect(connector({ url: "https://127.0.0.1:1" }).connector.probe()).rejects.toMatchObject({ reason: "CAUnreachable", retryable: true });
  });
});
