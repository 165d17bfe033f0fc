import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, signCertificate } from "./ca.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { issuedDifferences } from "./issued-differences.ts";
import { generatePrivateKey } from "./keys.ts";
import { openssl, withFiles } from "./testing/openssl.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";

const notBefore = new Date("2026-01-01T00:00:00Z");
const notAfter = new Date("2026-04-01T00:00:00Z");
let ca: IssuerMaterial;
let key: string;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "Test CA", now: notBefore, keySpec: { algorithm: "Ed25519" } });
  key = await generatePrivateKey({ algorithm: "Ed25519" });
});

const sign = (subject: SubjectSpec, sans: SanSpec) =>
  signCertificate({ issuer: ca, publicKeyPem: key, subject, sans, keyUsages: ["digitalSignature"], extKeyUsages: [], notBefore, notAfter });

const subject: SubjectSpec = {
  commonName: "api",
  countries: ["BR"],
  organizations: ["São Paulo, Ltda"],
  otherAttributes: [{ oid: "1.3.6.1.4.1.311.60.2.1.3", value: "BR" }],
};
const sans: SanSpec = { dnsNames: ["api.example.com", "API.example.com"], ipAddresses: ["::1"], uris: ["urn:x"], emailAddresses: ["ops@example.com"] };

describe("issuedDifferences", () => {
  it("finds none for what our CA signed (duplicates collapsed), in either mode", async () => {
    const pem = await sign(subject, sans);
    expect(issuedDifferences({ subject, sans, notBefore, notAfter }, pem, "exact")).toEqual([]);
    expect(issuedDifferences({ subject, sans }, pem, "requestedNamesPresent")).toEqual([]);
  });

  it("names each subject difference: value, missing, extra, string type", async () => {
    const pem = await sign({ ...subject, organizations: ["Sao Paulo, Ltda"], localities: ["x"] }, sans);
    const diffs = issuedDifferences({ subject, sans }, pem, "exact");
    expect(diffs).toContain('subject: missing organizationName="São Paulo, Ltda" (utf8String, 16 bytes)');
    expect(diffs).toContain('subject: unexpected organizationName="Sao Paulo, Ltda" (utf8String, 15 bytes)');
    expect(diffs).toContain('subject: unexpected localityName="x" (utf8String, 1 bytes)');
  });

  it("agrees with openssl req -subj on string types (jurisdictionC is a PrintableString) and sees another order", async () => {
    await withFiles({ "key.pem": key }, async (path) => {
      const want = { subject: { commonName: "api", countries: ["BR"], otherAttributes: [{ oid: "1.3.6.1.4.1.311.60.2.1.3", value: "BR" }] }, sans: {} };
      const ours = await openssl("req", "-new", "-x509", "-key", path("key.pem"), "-days", "1", "-utf8", "-subj", "/C=BR/CN=api/jurisdictionC=BR");
      expect(ours.code, ours.stderr).toBe(0);
      expect(issuedDifferences(want, ours.stdout, "exact")).toEqual([]);
      const reordered = await openssl("req", "-new", "-x509", "-key", path("key.pem"), "-days", "1", "-utf8", "-subj", "/C=BR/jurisdictionC=BR/CN=api");
      expect(issuedDifferences(want, reordered.stdout, "exact")).toEqual([
        'subject: attributes are in another order (countryName="BR" (printableString, 2 bytes), jurisdictionCountryName="BR" (printableString, 2 bytes), commonName="api" (utf8String, 3 bytes))',
      ]);
    });
  });

  it("names SAN differences in exact mode and only missing names otherwise", async () => {
    const pem = await sign(subject, { dnsNames: ["api.example.com", "extra.example.com"], ipAddresses: ["::2"], uris: ["urn:x"], emailAddresses: ["Ops@example.com"] });
    expect(issuedDifferences({ subject, sans }, pem, "exact")).toEqual([
      'dnsNames: unexpected "extra.example.com"',
      'ipAddresses: missing "::1"',
      'ipAddresses: unexpected "::2"',
      'emailAddresses: missing "ops@example.com"',
      'emailAddresses: unexpected "Ops@example.com"',
    ]);
    expect(issuedDifferences({ subject, sans }, pem, "requestedNamesPresent")).toEqual([
      'ipAddresses: requested "::1" is missing',
      'emailAddresses: requested "ops@example.com" is missing',
    ]);
  });

  it("ignores the case of DNS names when the authority chooses names, not in exact mode", async () => {
    const pem = await sign({ commonName: "api" }, { dnsNames: ["API.EXAMPLE.COM"] });
    expect(issuedDifferences({ subject: {}, sans: { dnsNames: ["api.example.com"] } }, pem, "requestedNamesPresent")).toEqual([]);
    expect(issuedDifferences({ subject: { commonName: "api" }, sans: { dnsNames: ["api.example.com"] } }, pem, "exact")).toEqual([
      'dnsNames: missing "api.example.com"',
      'dnsNames: unexpected "API.EXAMPLE.COM"',
    ]);
  });

  it("compares validity in exact mode", async () => {
    const pem = await sign(subject, sans);
    const later = new Date(notAfter.getTime() + 1000);
    expect(issuedDifferences({ subject, sans, notBefore, notAfter: later }, pem, "exact")).toEqual([
      `notAfter: expected ${later.toISOString()}, got ${notAfter.toISOString()}`,
    ]);
  });

  it("refuses what it cannot read", () => {
    expect(issuedDifferences({ subject, sans }, "not a pem", "exact")).toEqual(["the issued certificate cannot be parsed"]);
  });
});
