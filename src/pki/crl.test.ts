import { writeFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "./ca.ts";
import { buildCrl, parseCrl, REVOCATION_REASON_CODES, REVOCATION_REASONS } from "./crl.ts";
import type { RevokedCertificate } from "./crl.ts";
import { inspectCertificate } from "./inspect.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "./keys.ts";
import { openssl, withFiles } from "./testing/openssl.ts";

const now = floorToSecond(new Date(Date.now() - 60_000));
const later = new Date(now.getTime() + 7 * 24 * 3600_000);
let ca: IssuerMaterial;

async function issue(): Promise<string> {
  const key = await generatePrivateKey({ algorithm: "ECDSA" });
  return signCertificate({
    issuer: ca,
    publicKeyPem: publicKeyPemFromPrivate(key),
    subject: { commonName: "leaf" },
    sans: {},
    keyUsages: ["digitalSignature"],
    extKeyUsages: ["clientAuth"],
    notBefore: now,
    notAfter: later,
  });
}

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "CRL CA", now });
});

describe("REVOCATION_REASONS", () => {
  it("maps to RFC 5280 codes", () => {
    expect(REVOCATION_REASONS.map((r) => REVOCATION_REASON_CODES[r])).toEqual([0, 1, 2, 3, 4, 5, 6, 9, 10]);
  });
});

describe("buildCrl", () => {
  it("writes an X509 CRL that openssl reads, with number, AKI and reasons", async () => {
    const revoked: RevokedCertificate[] = REVOCATION_REASONS.map((reason, i) => ({ serialNumber: (0x1000 + i).toString(16), revocationDate: now, reason }));
    const crl = await buildCrl({ issuer: ca, crlNumber: 42, thisUpdate: now, nextUpdate: later, revoked });
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]*-----END X509 CRL-----\n$/);
    await withFiles({ "crl.pem": crl, "ca.pem": ca.certificatePem }, async (path) => {
      const res = await openssl("crl", "-in", path("crl.pem"), "-noout", "-text", "-CAfile", path("ca.pem"));
      expect(res.stderr).toMatch(/verify OK/);
      expect(res.stdout).toMatch(/X509v3 CRL Number: \s*\n\s+42\n/);
      expect(res.stdout).toMatch(/X509v3 Authority Key Identifier/);
      for (const text of ["Key Compromise", "CA Compromise", "Affiliation Changed", "Superseded", "Cessation Of Operation", "Certificate Hold", "Privilege Withdrawn", "AA Compromise"]) {
        expect(res.stdout).toContain(text);
      }
      // "unspecified" is written as no reason code (RFC 5280 5.3.1)
      expect(res.stdout).toMatch(/Serial Number: 1000\s*\n\s+Revocation Date: [^\n]+\n\s+Serial Number: 1001/);
    });
    expect(parseCrl(crl)).toEqual({ crlNumber: 42, thisUpdate: now, nextUpdate: later, revoked });
  });

  it("makes openssl refuse a revoked certificate and accept a good one", async () => {
    const bad = await issue();
    const good = await issue();
    const crl = await buildCrl({
      issuer: ca,
      crlNumber: 1,
      thisUpdate: now,
      nextUpdate: later,
      revoked: [{ serialNumber: inspectCertificate(bad).serialNumber, revocationDate: now, reason: "keyCompromise" }],
    });
    await withFiles({ "crl.pem": crl, "ca.pem": ca.certificatePem, "bad.pem": bad, "good.pem": good }, async (path) => {
      const refused = await openssl("verify", "-crl_check", "-CRLfile", path("crl.pem"), "-CAfile", path("ca.pem"), path("bad.pem"));
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toMatch(/certificate revoked/);
      const accepted = await openssl("verify", "-crl_check", "-CRLfile", path("crl.pem"), "-CAfile", path("ca.pem"), path("good.pem"));
      expect(accepted.stdout).toContain("OK");
    });
  });

  it("builds an empty CRL and validates its inputs", async () => {
    const empty = await buildCrl({ issuer: ca, crlNumber: 0, thisUpdate: now, nextUpdate: later, revoked: [] });
    expect(parseCrl(empty)).toMatchObject({ crlNumber: 0, revoked: [] });
    await expect(buildCrl({ issuer: ca, crlNumber: -1, thisUpdate: now, nextUpdate: later, revoked: [] })).rejects.toThrow(/crlNumber/);
    await expect(buildCrl({ issuer: ca, crlNumber: 1, thisUpdate: later, nextUpdate: now, revoked: [] })).rejects.toThrow(/nextUpdate/);
    await expect(
      buildCrl({ issuer: ca, crlNumber: 1, thisUpdate: now, nextUpdate: later, revoked: [{ serialNumber: "01", revocationDate: now, reason: "bogus" as "superseded" }] }),
    ).rejects.toThrow(/unknown revocation reason/);
  });

  it("reads CRLs made by openssl, labelled X509 CRL", async () => {
    await withFiles({ "ca.pem": ca.certificatePem, "key.pem": ca.privateKeyPem, "index.txt": "", "crlnumber": "0A\n" }, async (path) => {
      const conf = `[ca]\ndefault_ca=d\n[d]\ndatabase=${path("index.txt")}\ncrlnumber=${path("crlnumber")}\ndefault_md=sha256\ndefault_crl_days=1\n`;
      await writeFile(path("ca.cnf"), conf);
      const res = await openssl("ca", "-gencrl", "-config", path("ca.cnf"), "-cert", path("ca.pem"), "-keyfile", path("key.pem"));
      expect(res.code).toBe(0);
      expect(parseCrl(res.stdout)).toMatchObject({ crlNumber: 10, revoked: [] });
    });
  });
});
