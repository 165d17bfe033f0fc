import { describe, expect, it } from "vitest";
import type { IssueRequest } from "../../connectors/connector.ts";
import { LocalConnector } from "../../connectors/local/local-connector.ts";
import { MemorySecretStore } from "../../connectors/testing/conformance.ts";
import { buildCsr } from "../../pki/csr.ts";
import { certificateMatchesKey, inspectCertificate, splitPemBundle, verifyIssuedBy } from "../../pki/inspect.ts";
import { generatePrivateKey, spkiSha256 } from "../../pki/keys.ts";
import { openssl, withFiles } from "../../pki/testing/openssl.ts";
import type { DesiredRequest } from "./desired.ts";
import { issueCertificate, type IssueInput } from "./issue.ts";

const DAY = 86_400_000;
const now = new Date("2026-03-01T10:00:00.750Z");

const desired = {
  type: "server",
  subject: "CN=a.example.com",
  subjectSpec: { commonName: "a.example.com" },
  sans: { dnsNames: ["a.example.com"], ipAddresses: ["192.0.2.7"], uris: [], emailAddresses: [] },
  key: { algorithm: "ECDSA", size: 256 },
  durationMs: 30 * DAY,
  renewBeforeMs: 10 * DAY,
  rotationPolicy: "Never",
  external: false,
} as unknown as DesiredRequest;

/** The real local CA; keeps the last request it was asked to sign so a test can read what it got. */
class SeeingLocalConnector extends LocalConnector {
  last: IssueRequest | undefined;
  override issue(req: IssueRequest) {
    this.last = req;
    return super.issue(req);
  }
}

const localCa = () => new SeeingLocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => now);
const issue = (connector: SeeingLocalConnector, over: Partial<IssueInput> = {}) => issueCertificate({ desired, connector, now, ...over });

describe("issueCertificate with a new key", () => {
  it("returns a certificate for the generated key, signed by ca.crt, as desired", async () => {
    const { data, info } = await issue(localCa());
    expect(Object.keys(data).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
    expect(certificateMatchesKey(data["tls.crt"]!, data["tls.key"]!)).toBe(true);
    expect(await verifyIssuedBy(data["tls.crt"]!, data["ca.crt"]!)).toBe(true);
    expect(info.notBefore).toEqual(new Date("2026-03-01T10:00:00Z")); // floored to the second
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(30 * DAY);
    expect(info.sans).toMatchObject({ dnsNames: ["a.example.com"], ipAddresses: ["192.0.2.7"] });
    expect(info.subject).toBe("CN=a.example.com");
    expect(info.extKeyUsages).toContain("serverAuth");
    expect(inspectCertificate(splitPemBundle(data["tls.crt"]!)[0]!).serialNumber).toBe(info.serialNumber);
  });

  it("ends every PEM in the Secret data with one newline", async () => {
    const { data } = await issue(localCa());
    for (const k of ["tls.crt", "ca.crt"]) expect(data[k]).toMatch(/-----END CERTIFICATE-----\n$/);
  });

  it("a current certificate alone is not a renewal: the key is new", async () => {
    const ca = localCa();
    const first = await issue(ca);
    const second = await issue(ca, { currentCertificatePem: first.data["tls.crt"] });
    expect(ca.last?.renewal).toBeUndefined();
    expect(second.data["tls.key"]).not.toBe(first.data["tls.key"]);
    expect(second.info.spkiSha256).not.toBe(first.info.spkiSha256);
  });
});

describe("issueCertificate keeping the key", () => {
  it("renews the current certificate when it is for the kept key", async () => {
    const ca = localCa();
    const first = await issue(ca);
    const renewed = await issue(ca, { reuseKeyPem: first.data["tls.key"], currentCertificatePem: first.data["tls.crt"] });
    expect(ca.last?.renewal).toEqual({ certificatePem: splitPemBundle(first.data["tls.crt"]!)[0] });
    expect(renewed.data["tls.key"]).toBe(first.data["tls.key"]);
    expect(renewed.info.spkiSha256).toBe(first.info.spkiSha256);
    expect(renewed.info.serialNumber).not.toBe(first.info.serialNumber);
    expect(certificateMatchesKey(renewed.data["tls.crt"]!, first.data["tls.key"]!)).toBe(true);
    await withFiles({ "ca.pem": renewed.data["ca.crt"]!, "tls.pem": renewed.data["tls.crt"]! }, async (path) => {
      const attime = String(Math.floor(now.getTime() / 1000));
      const res = await openssl("verify", "-attime", attime, "-purpose", "sslserver", "-CAfile", path("ca.pem"), path("tls.pem"));
      expect(res.stdout + res.stderr).toContain(": OK");
    });
  }, 60_000);

  const notRenewals: [string, (other: string) => string | undefined][] = [
    ["a current certificate for another key", (other) => other],
    ["an unreadable current certificate", () => "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"],
    ["no current certificate", () => undefined],
  ];
  it.each(notRenewals)("issues anew for the kept key with %s", async (_name, current) => {
    const ca = localCa();
    const other = await issue(ca);
    const keptKey = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const out = await issue(ca, { reuseKeyPem: keptKey, currentCertificatePem: current(other.data["tls.crt"]!) });
    expect(ca.last?.renewal).toBeUndefined();
    expect(out.data["tls.key"]).toBe(keptKey);
    expect(out.info.spkiSha256).toBe(spkiSha256(keptKey));
  });
});

describe("issueCertificate with an external CSR", () => {
  it("signs the CSR's key and stores the CSR, never a key", async () => {
    const ownersKey = await generatePrivateKey({ algorithm: "RSA", size: 2048 });
    const csrPem = await buildCsr({ privateKeyPem: ownersKey, subject: desired.subjectSpec, sans: desired.sans });
    const { data, info } = await issue(localCa(), { externalCsrPem: csrPem, desired: { ...desired, key: { algorithm: "RSA", size: 2048 }, external: true } });
    expect(data["tls.key"]).toBeUndefined();
    expect(data["tls.csr"]).toBe(csrPem);
    expect(info.spkiSha256).toBe(spkiSha256(ownersKey));
    expect(await verifyIssuedBy(data["tls.crt"]!, data["ca.crt"]!)).toBe(true);
  });

  it("refuses a CSR whose signature does not verify, before asking the CA", async () => {
    const csrPem = await buildCsr({ privateKeyPem: await generatePrivateKey({ algorithm: "ECDSA", size: 256 }), subject: desired.subjectSpec, sans: desired.sans });
    const body = csrPem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    const der = Buffer.from(body, "base64");
    der[der.length - 5] = der[der.length - 5]! ^ 0xff; // inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    const ca = localCa();
    await expect(issue(ca, { externalCsrPem: tampered })).rejects.toThrow("CSR signature is invalid");
    expect(ca.last).toBeUndefined();
  });
});
