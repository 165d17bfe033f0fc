import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "./ca.ts";
import { certificateMatchesKey, inspectCertificate, leafOfBundle, splitPemBundle, verifyIssuedBy } from "./inspect.ts";
import { PemError, pemEncode } from "./pem.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { generatePrivateKey, publicKeyPemFromPrivate, spkiSha256 } from "./keys.ts";
import { openssl, withFiles } from "./testing/openssl.ts";

const now = floorToSecond(new Date());
let ca: IssuerMaterial;
let key: string;
let leaf: string;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "inspect CA", now });
  key = await generatePrivateKey({ algorithm: "ECDSA" });
  leaf = await signCertificate({
    issuer: ca,
    publicKeyPem: publicKeyPemFromPrivate(key),
    subject: { commonName: "leaf", organizations: ["A+B"] },
    sans: { dnsNames: ["leaf.example"], ipAddresses: ["2001:0db8::0001"], emailAddresses: ["a@example.com"] },
    keyUsages: ["digitalSignature", "keyEncipherment"],
    extKeyUsages: ["serverAuth", "clientAuth"],
    notBefore: now,
    notAfter: new Date(now.getTime() + 3600_000),
    serialNumber: "0badc0de",
  });
});

describe("inspectCertificate", () => {
  it("reports the certificate's facts, agreeing with openssl", async () => {
    const info = inspectCertificate(leaf);
    expect(info).toEqual({
      serialNumber: "badc0de",
      notBefore: now,
      notAfter: new Date(now.getTime() + 3600_000),
      fingerprintSHA256: expect.stringMatching(/^[0-9a-f]{64}$/),
      subject: "O=A\\+B,CN=leaf",
      issuer: "CN=inspect CA",
      sans: { dnsNames: ["leaf.example"], ipAddresses: ["2001:db8::1"], uris: [], emailAddresses: ["a@example.com"] },
      keyUsages: ["digitalSignature", "keyEncipherment"],
      extKeyUsages: ["serverAuth", "clientAuth"],
      spkiSha256: spkiSha256(key),
      isCA: false,
    });
    await withFiles({ "leaf.pem": leaf }, async (path) => {
      const res = await openssl("x509", "-in", path("leaf.pem"), "-noout", "-fingerprint", "-sha256", "-serial");
      const fp = /Fingerprint=([0-9A-F:]+)/.exec(res.stdout)?.[1];
      expect(fp?.replace(/:/g, "").toLowerCase()).toBe(info.fingerprintSHA256);
      expect(res.stdout).toContain("serial=0BADC0DE");
    });
    expect(inspectCertificate(ca.certificatePem).isCA).toBe(true);
  });

  it("throws a clear error for non-certificates", () => {
    expect(() => inspectCertificate(key)).toThrow(/unexpected PEM label "PRIVATE KEY"/);
    expect(() => inspectCertificate("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")).toThrow(/invalid certificate/);
  });
});

describe("bundles, keys and issuers", () => {
  it("splits a bundle in order, skipping other blocks", () => {
    const bundle = `${leaf}\n# comment\n${key}${ca.certificatePem}`;
    const parts = splitPemBundle(bundle);
    expect(parts).toHaveLength(2);
    expect(inspectCertificate(parts[0]!).subject).toBe("O=A\\+B,CN=leaf");
    expect(parts[1]).toBe(ca.certificatePem);
    expect(splitPemBundle("")).toEqual([]);
  });

  it("matches a certificate with its key only", async () => {
    expect(certificateMatchesKey(leaf, key)).toBe(true);
    expect(certificateMatchesKey(leaf, await generatePrivateKey({ algorithm: "ECDSA" }))).toBe(false);
    expect(certificateMatchesKey(ca.certificatePem, ca.privateKeyPem)).toBe(true);
  });

  it("verifies the issuer link by name and signature", async () => {
    expect(await verifyIssuedBy(leaf, ca.certificatePem)).toBe(true);
    expect(await verifyIssuedBy(ca.certificatePem, ca.certificatePem)).toBe(true);
    // same name, different key: signature check fails
    const impostor = await createCertificateAuthority({ commonName: "inspect CA", now });
    expect(await verifyIssuedBy(leaf, impostor.certificatePem)).toBe(false);
    // different name
    const other = await createCertificateAuthority({ commonName: "other CA", now });
    expect(await verifyIssuedBy(leaf, other.certificatePem)).toBe(false);
    expect(await verifyIssuedBy("garbage", ca.certificatePem)).toBe(false);
  });
});

describe("certificate bundle limits", () => {
  it("refuses a 1 MiB and a 10 MiB bundle with a PemError, and leafOfBundle never throws", () => {
    for (const size of [1024 * 1024, 10 * 1024 * 1024]) {
      const bundle = pemEncode(Buffer.alloc((size * 3) / 4), "CERTIFICATE");
      expect(() => splitPemBundle(bundle)).toThrow(PemError);
      expect(() => splitPemBundle(bundle)).toThrow(/over the limit of 262144/);
      expect(leafOfBundle(bundle)).toBeUndefined();
    }
    expect(leafOfBundle("-----BEGIN CERTIFICATE-----\nAA")).toBeUndefined();
    expect(leafOfBundle(undefined)).toBeUndefined();
  });
});
