import { describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { buildCsr } from "../../pki/csr.ts";
import { generatePrivateKey } from "../../pki/keys.ts";
import { MAX_CERTIFICATE_BUNDLE_LENGTH } from "../../pki/pem.ts";
import { usagesForType } from "../../pki/usages.ts";
import { handbackProblems } from "./handback-check.ts";

const now = new Date("2026-12-01T12:00:00Z");
const DAY = 86_400_000;

async function setup() {
  const root = await createCertificateAuthority({ commonName: "Portal Root", now });
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const sans = { dnsNames: ["api.example.com"] };
  const csrPem = await buildCsr({ privateKeyPem: key, subject: { commonName: "api" }, sans });
  const sign = (o: Partial<Parameters<typeof signCertificate>[0]> = {}) =>
    signCertificate({ issuer: root, publicKeyPem: key, subject: { commonName: "api" }, sans, ...usagesForType("server", "ECDSA"), notBefore: floorToSecond(new Date(now.getTime() - DAY)), notAfter: floorToSecond(new Date(now.getTime() + 90 * DAY)), ...o });
  return { root, key, csrPem, sign };
}

describe("handbackProblems", () => {
  it("accepts the certificate issued for the CSR, with or without its CA", async () => {
    const { root, csrPem, sign } = await setup();
    const pem = await sign();
    expect(await handbackProblems({ bundlePem: pem, csrPem, type: "server", now })).toEqual([]);
    expect(await handbackProblems({ bundlePem: pem, caPem: root.certificatePem, csrPem, type: "server", now })).toEqual([]);
    expect(await handbackProblems({ bundlePem: pem + root.certificatePem, caPem: root.certificatePem, csrPem, type: "server", now })).toEqual([]);
  });

  it("names each problem: another key, other names, missing usages, expired, an unlinked chain", async () => {
    const { csrPem, sign } = await setup();
    const other = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const stranger = await createCertificateAuthority({ commonName: "Stranger CA", now });
    const problems = await handbackProblems({
      bundlePem: (await sign({ publicKeyPem: other, sans: { dnsNames: ["evil.example.com"] }, keyUsages: ["digitalSignature"], extKeyUsages: [], notAfter: floorToSecond(new Date(now.getTime() - 1000)) })) + stranger.certificatePem,
      csrPem, type: "server", now,
    });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/is not the pending CSR's .*issued for another CSR/);
    expect(problems[1]).toBe("the certificate's names differ from the CSR's: missing DNS:api.example.com; not requested DNS:evil.example.com (CSR: DNS:api.example.com)");
    expect(problems[2]).toBe("the certificate lacks usages a server certificate needs: serverAuth (it has digitalSignature)");
    expect(problems[3]).toMatch(/^the certificate expired at /);
    expect(problems[4]).toBe("certificate 1 (CN=api) is not signed by certificate 2 (CN=Stranger CA): the chain is out of order or mixed");
  });

  it("refuses hostile input with a message, never a throw: not PEM, garbage in PEM armour, too large, a CA first", async () => {
    const { root, csrPem } = await setup();
    expect(await handbackProblems({ bundlePem: "hello", csrPem, type: "server", now })).toEqual(["--cert holds no PEM certificate (-----BEGIN CERTIFICATE-----)"]);
    const garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    expect(await handbackProblems({ bundlePem: garbage, csrPem, type: "server", now })).toEqual(["--cert: certificate 1 of 1 is not a valid X.509 certificate"]);
    const huge = "-----BEGIN CERTIFICATE-----\n" + "A".repeat(MAX_CERTIFICATE_BUNDLE_LENGTH + 10) + "\n-----END CERTIFICATE-----\n";
    const [tooLarge] = await handbackProblems({ bundlePem: huge, csrPem, type: "server", now });
    expect(tooLarge).toMatch(/^--cert: /);
    const caFirst = await handbackProblems({ bundlePem: root.certificatePem, csrPem, type: "server", now });
    expect(caFirst[0]).toBe("the first certificate of --cert is a CA certificate: put the issued (leaf) certificate first");
  });
});
