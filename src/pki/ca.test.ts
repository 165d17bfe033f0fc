import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "./ca.ts";
import type { SignCertificateOptions } from "./ca.ts";
import { inspectCertificate } from "./inspect.ts";
import { describeKey, generatePrivateKey, publicKeyPemFromPrivate } from "./keys.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { openssl, withFiles } from "./testing/openssl.ts";
import { usagesForType } from "./usages.ts";

const DAY = 24 * 3600 * 1000;
const now = floorToSecond(new Date(Date.now() - 60_000));

let ca: IssuerMaterial;
let leafKey: string;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "certwright test CA", organization: "Acme, Inc.", now });
  leafKey = await generatePrivateKey({ algorithm: "ECDSA" });
});

function leafOptions(over: Partial<SignCertificateOptions> = {}): SignCertificateOptions {
  return {
    issuer: ca,
    publicKeyPem: publicKeyPemFromPrivate(leafKey),
    subject: {
      commonName: "tpp.example.com",
      countries: ["BR"],
      organizations: ["Acme, Inc."],
      serialNumber: "12345678000199",
      organizationIdentifier: "OFBBR-6f9c",
      uid: "a1b2c3",
    },
    sans: { dnsNames: ["tpp.example.com"], ipAddresses: ["192.0.2.7"], uris: ["https://tpp.example.com/id"] },
    ...usagesForType("transport", "ECDSA"),
    notBefore: now,
    notAfter: new Date(now.getTime() + 30 * DAY),
    crlDistributionPoints: ["http://crl.example.com/ca.crl"],
    ...over,
  };
}

describe("createCertificateAuthority", () => {
  it("makes a self-signed P-256 CA with critical basicConstraints and keyUsage, SKI and AKI", async () => {
    expect(describeKey(ca.privateKeyPem)).toEqual({ algorithm: "ECDSA", size: 256 });
    const info = inspectCertificate(ca.certificatePem);
    expect(info.isCA).toBe(true);
    expect(info.subject).toBe("O=Acme\\, Inc.,CN=certwright test CA");
    expect(info.issuer).toBe(info.subject);
    expect(info.notBefore).toEqual(now);
    expect(info.notAfter).toEqual(new Date(now.getTime() + 3650 * DAY));
    await withFiles({ "ca.pem": ca.certificatePem }, async (path) => {
      expect((await openssl("verify", "-CAfile", path("ca.pem"), path("ca.pem"))).stdout).toContain("OK");
      const text = (await openssl("x509", "-in", path("ca.pem"), "-noout", "-text")).stdout;
      expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text)?.[1];
      const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
      expect(ski).toBeTruthy();
      expect(aki).toBe(ski);
    });
  });

  it("honours keySpec and validityDays", async () => {
    const rsa = await createCertificateAuthority({ commonName: "rsa", keySpec: { algorithm: "RSA" }, validityDays: 10, now });
    expect(describeKey(rsa.certificatePem)).toEqual({ algorithm: "RSA", size: 2048 });
    expect(inspectCertificate(rsa.certificatePem).notAfter).toEqual(new Date(now.getTime() + 10 * DAY));
  });
});

describe("signCertificate", () => {
  it("issues a leaf that openssl verifies, with the requested extensions and subject", async () => {
    const leaf = await signCertificate(leafOptions());
    await withFiles({ "ca.pem": ca.certificatePem, "leaf.pem": leaf, "key.pem": leafKey }, async (path) => {
      const verify = await openssl("verify", "-CAfile", path("ca.pem"), path("leaf.pem"));
      expect(verify.stdout.trim()).toBe(`${path("leaf.pem")}: OK`);
      const text = (await openssl("x509", "-in", path("leaf.pem"), "-noout", "-text")).stdout;
      expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
      expect(text).toMatch(/Extended Key Usage: \s*\n\s+TLS Web Client Authentication\n/);
      expect(text).toMatch(/Subject Alternative Name: \s*\n\s+DNS:tpp.example.com, IP Address:192.0.2.7, URI:https:\/\/tpp.example.com\/id\n/);
      expect(text).toMatch(/CRL Distribution Points: \s*\n\s+Full Name:\s+URI:http:\/\/crl.example.com\/ca.crl/);
      expect(text).toMatch(/Subject Key Identifier/);
      expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      const subject = (await openssl("x509", "-in", path("leaf.pem"), "-noout", "-subject", "-nameopt", "oid,sep_comma_plus")).stdout;
      // by OID: serialNumber 2.5.4.5, organizationIdentifier 2.5.4.97, UID 0.9.2342.19200300.100.1.1
      expect(subject.trim()).toBe(
        "subject=2.5.4.6=BR,2.5.4.10=Acme, Inc.,2.5.4.3=tpp.example.com,2.5.4.5=12345678000199,2.5.4.97=OFBBR-6f9c,0.9.2342.19200300.100.1.1=a1b2c3",
      );
      expect(text).toContain("organizationIdentifier = OFBBR-6f9c, UID = a1b2c3");
      // the certificate carries the leaf key's public half
      const certPub = (await openssl("x509", "-in", path("leaf.pem"), "-noout", "-pubkey")).stdout;
      const keyPub = (await openssl("pkey", "-in", path("key.pem"), "-pubout")).stdout;
      expect(certPub).toBe(keyPub);
    });
  });

  it("writes exactly the given validity and serial", async () => {
    const notAfter = new Date(now.getTime() + 7 * DAY + 1000);
    const leaf = await signCertificate(leafOptions({ notAfter, serialNumber: "00:0A:bc" }));
    const info = inspectCertificate(leaf);
    expect(info.notBefore).toEqual(now);
    expect(info.notAfter).toEqual(notAfter);
    expect(info.serialNumber).toBe("abc");
    // and far-future dates use GeneralizedTime correctly
    const late = new Date("2051-06-01T12:34:56Z");
    expect(inspectCertificate(await signCertificate(leafOptions({ notAfter: late }))).notAfter).toEqual(late);
  });

  it("uses random positive 16-octet serials by default", async () => {
    const a = inspectCertificate(await signCertificate(leafOptions())).serialNumber;
    const b = inspectCertificate(await signCertificate(leafOptions())).serialNumber;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[4-7][0-9a-f]{31}$/);
  });

  it("makes SANs critical when the subject is empty", async () => {
    const leaf = await signCertificate(leafOptions({ subject: {}, sans: { dnsNames: ["only.example"] } }));
    await withFiles({ "leaf.pem": leaf }, async (path) => {
      expect((await openssl("x509", "-in", path("leaf.pem"), "-noout", "-text")).stdout).toMatch(/Subject Alternative Name: critical/);
    });
    await expect(signCertificate(leafOptions({ subject: {}, sans: {} }))).rejects.toThrow(/subject or at least one subject alternative name/);
  });

  it("signs RSA and Ed25519 leaves from an RSA CA", async () => {
    const rsaCa = await createCertificateAuthority({ commonName: "rsa ca", keySpec: { algorithm: "RSA" }, now });
    for (const spec of [{ algorithm: "RSA" }, { algorithm: "Ed25519" }] as const) {
      const key = await generatePrivateKey(spec);
      const leaf = await signCertificate(leafOptions({ issuer: rsaCa, publicKeyPem: publicKeyPemFromPrivate(key), ...usagesForType("server", spec.algorithm) }));
      await withFiles({ "ca.pem": rsaCa.certificatePem, "leaf.pem": leaf }, async (path) => {
        expect((await openssl("verify", "-CAfile", path("ca.pem"), path("leaf.pem"))).stdout).toContain("OK");
        expect((await openssl("x509", "-in", path("leaf.pem"), "-noout", "-text")).stdout).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
      });
    }
  });

  it("rejects dates that are not whole seconds, inverted validity and a mismatched issuer key", async () => {
    await expect(signCertificate(leafOptions({ notBefore: new Date(now.getTime() + 1) }))).rejects.toThrow(/not a whole second/);
    await expect(signCertificate(leafOptions({ notAfter: now }))).rejects.toThrow(/notAfter must be after notBefore/);
    const wrongKey = { certificatePem: ca.certificatePem, privateKeyPem: leafKey };
    await expect(signCertificate(leafOptions({ issuer: wrongKey }))).rejects.toThrow(/does not match the issuer certificate/);
    await expect(signCertificate(leafOptions({ serialNumber: "xyz" }))).rejects.toThrow(/not hex/);
  });
});
