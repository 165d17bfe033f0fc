import { describe, expect, it } from "vitest";
import { createCertificateAuthority } from "./ca.ts";
import { buildCsr, parseAndVerifyCsr } from "./csr.ts";
import { generatePrivateKey } from "./keys.ts";
import { describeSubject, subjectFromNameDer, subjectOfCertificate, subjectToName } from "./subject.ts";
import type { SubjectSpec } from "./subject.ts";
import { openssl, withFiles } from "./testing/openssl.ts";

const full: SubjectSpec = {
  commonName: "api.bank.example",
  countries: ["BR"],
  organizations: ["Acme, Inc. + Co"],
  organizationalUnits: ["Payments", "Open Finance"],
  localities: ["São Paulo"],
  provinces: ["SP"],
  streetAddresses: ["Av. Paulista, 1000"],
  postalCodes: ["01310-100"],
  serialNumber: "12345678000199",
  organizationIdentifier: "OFBBR-1a2b3c",
  uid: "c2e7f1a0-0000-4000-8000-000000000001",
  otherAttributes: [
    { oid: "1.3.6.1.4.1.99999.2", value: "second" },
    { oid: "1.3.6.1.4.1.99999.1", value: "first" },
  ],
};

describe("subjectToName", () => {
  it("encodes in the fixed order and round-trips through DER", () => {
    const name = subjectToName(full);
    const parsed = subjectFromNameDer(name.toArrayBuffer());
    expect(parsed).toEqual({
      ...full,
      // others come back sorted by OID, as they are encoded
      otherAttributes: [full.otherAttributes![1], full.otherAttributes![0]],
    });
    expect(describeSubject(full)).toBe(
      "C=BR,ST=SP,L=São Paulo,STREET=Av. Paulista\\, 1000,postalCode=01310-100,O=Acme\\, Inc. \\+ Co,OU=Payments,OU=Open Finance," +
        "CN=api.bank.example,serialNumber=12345678000199,organizationIdentifier=OFBBR-1a2b3c,UID=c2e7f1a0-0000-4000-8000-000000000001," +
        "1.3.6.1.4.1.99999.1=first,1.3.6.1.4.1.99999.2=second",
    );
  });

  it("ignores field order in the spec object: the canonical string only depends on content", () => {
    const a: SubjectSpec = { organizations: ["O"], commonName: "cn", countries: ["BR"] };
    const b: SubjectSpec = { countries: ["BR"], commonName: "cn", organizations: ["O"] };
    expect(describeSubject(a)).toBe(describeSubject(b));
    expect(describeSubject({})).toBe("");
  });

  it.each([
    [{ countries: ["Brazil"] }, /ISO 3166-1 alpha-2/],
    [{ serialNumber: "ação" }, /PrintableString/],
    [{ commonName: "x".repeat(65) }, /longer than 64/],
    [{ otherAttributes: [{ oid: "not-an-oid", value: "v" }] }, /well-formed attribute OID/],
    [{ organizations: [""] }, /empty/],
    [{ otherAttributes: [{ oid: "1.2.840.113549.1.9.1", value: "é@example.com" }] }, /ASCII/],
  ] as [SubjectSpec, RegExp][])("rejects %j", (s, message) => {
    expect(() => subjectToName(s)).toThrow(message);
  });

  it("uses PrintableString for C and serialNumber, UTF8String elsewhere", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    const csr = await buildCsr({ privateKeyPem: key, subject: { countries: ["BR"], serialNumber: "123", commonName: "x" }, sans: {} });
    await withFiles({ "csr.pem": csr }, async (path) => {
      const res = await openssl("asn1parse", "-in", path("csr.pem"));
      expect(res.stdout).toMatch(/countryName\s*\n.*PRINTABLESTRING\s+:BR/);
      expect(res.stdout).toMatch(/serialNumber\s*\n.*PRINTABLESTRING\s+:123/);
      expect(res.stdout).toMatch(/commonName\s*\n.*UTF8STRING\s+:x/);
    });
  });
});

describe("special characters", () => {
  it("escapes a comma and plus in O for openssl and round-trips them through a CSR", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    const subject: SubjectSpec = { commonName: "a+b", organizations: ['Acme, Inc. + "Co"; <x>'] };
    const csr = await buildCsr({ privateKeyPem: key, subject, sans: {} });
    expect((await parseAndVerifyCsr(csr)).subject).toEqual(subject);
    await withFiles({ "csr.pem": csr }, async (path) => {
      const res = await openssl("req", "-in", path("csr.pem"), "-noout", "-subject", "-nameopt", "RFC2253");
      // RFC2253 prints in reverse order; the escaping is the point here.
      expect(res.stdout.trim()).toBe('subject=CN=a\\+b,O=Acme\\, Inc. \\+ \\"Co\\"\\; \\<x\\>');
    });
    expect(describeSubject(subject)).toBe('O=Acme\\, Inc. \\+ \\"Co\\"\\; \\<x\\>,CN=a\\+b');
  });
});

describe("subjectOfCertificate", () => {
  it("matches describeSubject of the spec the certificate was made from", async () => {
    const ca = await createCertificateAuthority({ commonName: "Example CA, Root", organization: "Ex+ample", now: new Date() });
    expect(subjectOfCertificate(ca.certificatePem)).toBe(describeSubject({ commonName: "Example CA, Root", organizations: ["Ex+ample"] }));
  });

  it("canonicalises a certificate whose CA wrote attributes in another order", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    await withFiles({ "key.pem": key }, async (path) => {
      const res = await openssl("req", "-new", "-x509", "-key", path("key.pem"), "-days", "1", "-subj", "/CN=x/O=Org/C=BR");
      expect(res.code).toBe(0);
      expect(subjectOfCertificate(res.stdout)).toBe(describeSubject({ commonName: "x", organizations: ["Org"], countries: ["BR"] }));
      expect(subjectOfCertificate(res.stdout)).toBe("C=BR,O=Org,CN=x");
    });
  });
});

describe("string types and exact encoding", () => {
  it("writes each known attribute in its standard type, as openssl asn1parse shows", async () => {
    const key = await generatePrivateKey({ algorithm: "Ed25519" });
    const subject: SubjectSpec = {
      commonName: "São",
      otherAttributes: [
        { oid: "1.3.6.1.4.1.311.60.2.1.3", value: "BR" },
        { oid: "1.2.840.113549.1.9.1", value: "ops@example.com" },
        { oid: "0.9.2342.19200300.100.1.25", value: "example" },
        { oid: "2.5.4.15", value: "Private Organization" },
      ],
    };
    const csr = await buildCsr({ privateKeyPem: key, subject, sans: {} });
    await withFiles({ "csr.pem": csr }, async (path) => {
      const res = await openssl("asn1parse", "-in", path("csr.pem"));
      expect(res.stdout).toMatch(/jurisdictionCountryName\s*\n.*PRINTABLESTRING\s+:BR/);
      expect(res.stdout).toMatch(/emailAddress\s*\n.*IA5STRING\s+:ops@example.com/);
      expect(res.stdout).toMatch(/domainComponent\s*\n.*IA5STRING\s+:example/);
      expect(res.stdout).toMatch(/businessCategory\s*\n.*UTF8STRING\s+:Private Organization/);
      expect(res.stdout).toMatch(/commonName\s*\n.*UTF8STRING\s+:São/);
    });
  });

  it.each([
    [{ commonName: "a\u0000b" }, /control character \(U\+0000\)/],
    [{ commonName: "a\ud800" }, /lone surrogate/],
    [{ countries: ["br"] }, /write "BR"/],
    [{ otherAttributes: [{ oid: "2.5.4", value: "v" }] }, /registration arc/],
    [{ otherAttributes: [{ oid: "1.2.9007199254740993", value: "v" }] }, /well-formed attribute OID/],
  ] as [SubjectSpec, RegExp][])("refuses to encode %j", (s, message) => {
    expect(() => subjectToName(s)).toThrow(message);
  });
});
