import { describe, expect, it } from "vitest";
import { decide, specDifferences, type Desired, type Existing } from "./decide.ts";

const DAY = 86_400_000;
const notBefore = new Date("2026-01-01T00:00:00Z");
const notAfter = new Date(notBefore.getTime() + 350 * DAY);

const desired: Desired = {
  type: "server",
  subject: "CN=a.example.com",
  sans: { dnsNames: ["a.example.com"], ipAddresses: [], uris: [], emailAddresses: [] },
  key: { algorithm: "ECDSA", size: 256 },
  durationMs: 350 * DAY,
  renewBeforeMs: 60 * DAY,
  rotationPolicy: "Always",
  external: false,
};

const good: Existing = {
  secret: {
    hasCertificate: true,
    hasKey: true,
    keyMatchesCertificate: true,
    issuedByCurrentCa: true,
    usagesMatchType: true,
    key: { algorithm: "ECDSA", size: 256 },
    certificate: {
      serialNumber: "1", notBefore, notAfter, fingerprintSHA256: "f", subject: "CN=a.example.com", issuer: "CN=ca",
      sans: { dnsNames: ["A.example.com"], ipAddresses: [], uris: [], emailAddresses: [] },
      keyUsages: ["digitalSignature"], extKeyUsages: ["serverAuth"], spkiSha256: "s", isCA: false, subjectCanonical: "CN=a.example.com",
    },
  },
};

const at = (days: number) => new Date(notBefore.getTime() + days * DAY);
const withSecret = (patch: Partial<NonNullable<Existing["secret"]>>): Existing => ({ ...good, secret: { ...good.secret!, ...patch } });

describe("decide", () => {
  const table: [string, Desired, Existing, Date, string][] = [
    ["up to date", desired, good, at(10), "upToDate"],
    ["no Secret", desired, {}, at(10), "DoesNotExist"],
    ["no tls.crt", desired, withSecret({ hasCertificate: false }), at(10), "MissingData"],
    ["no tls.key", desired, withSecret({ hasKey: false }), at(10), "MissingData"],
    ["external CSR needs no key", { ...desired, external: true }, withSecret({ hasKey: false, keyMatchesCertificate: false }), at(10), "upToDate"],
    ["garbage tls.crt", desired, withSecret({ certificate: undefined }), at(10), "InvalidCertificate"],
    ["swapped key", desired, withSecret({ keyMatchesCertificate: false }), at(10), "KeyMismatch"],
    ["other CA", desired, withSecret({ issuedByCurrentCa: false }), at(10), "IncorrectIssuer"],
    ["new dnsName", { ...desired, sans: { ...desired.sans, dnsNames: ["a.example.com", "b.example.com"] } }, good, at(10), "SpecChanged"],
    ["new subject", { ...desired, subject: "CN=b" }, good, at(10), "SpecChanged"],
    ["new type", desired, withSecret({ usagesMatchType: false }), at(10), "SpecChanged"],
    ["new duration", { ...desired, durationMs: 90 * DAY }, good, at(10), "SpecChanged"],
    ["new key algorithm", { ...desired, key: { algorithm: "RSA", size: 2048 } }, good, at(10), "SpecChanged"],
    ["renewal requested", { ...desired, renewalRequest: { id: "r1", rekey: false } }, good, at(10), "RenewalRequested"],
    ["renewal request already served", { ...desired, renewalRequest: { id: "r1", rekey: false } }, { ...good, lastRenewalRequestId: "r1" }, at(10), "upToDate"],
    ["one second before renewal", desired, good, new Date(notAfter.getTime() - 60 * DAY - 1000), "upToDate"],
    ["at renewal time", desired, good, new Date(notAfter.getTime() - 60 * DAY), "Expiring"],
    ["revoked", desired, { ...good, revokedReason: "keyCompromise" }, at(10), "Revoked"],
    ["ACME chose its own validity and subject", { ...desired, durationMs: 90 * DAY, subject: "", exactAuthority: false }, good, at(10), "upToDate"],
    ["an authority that added a name", { ...desired, exactAuthority: false }, withSecret({ certificate: { ...good.secret!.certificate!, sans: { dnsNames: ["a.example.com", "extra.example.com"], ipAddresses: [], uris: [], emailAddresses: [] } } }), at(10), "upToDate"],
    ["our CA with an extra name", desired, withSecret({ certificate: { ...good.secret!.certificate!, sans: { dnsNames: ["a.example.com", "extra.example.com"], ipAddresses: [], uris: [], emailAddresses: [] } } }), at(10), "SpecChanged"],
    ["a duplicate dnsName in the spec (collapsed)", { ...desired, sans: { ...desired.sans, dnsNames: ["a.example.com", "A.EXAMPLE.COM"] } }, good, at(10), "upToDate"],
    ["the same IP written another way", { ...desired, sans: { ...desired.sans, ipAddresses: ["2001:DB8::1"] } }, withSecret({ certificate: { ...good.secret!.certificate!, sans: { ...good.secret!.certificate!.sans, ipAddresses: ["2001:db8::1"] } } }), at(10), "upToDate"],
    ["an email domain in another case", { ...desired, sans: { ...desired.sans, emailAddresses: ["ops@EXAMPLE.com"] } }, withSecret({ certificate: { ...good.secret!.certificate!, sans: { ...good.secret!.certificate!.sans, emailAddresses: ["ops@example.com"] } } }), at(10), "upToDate"],
    ["an email local part in another case (RFC 5280 7.5)", { ...desired, sans: { ...desired.sans, emailAddresses: ["Ops@example.com"] } }, withSecret({ certificate: { ...good.secret!.certificate!, sans: { ...good.secret!.certificate!.sans, emailAddresses: ["ops@example.com"] } } }), at(10), "SpecChanged"],
    ["ACME certificate lacks a requested name", { ...desired, exactAuthority: false, sans: { ...desired.sans, dnsNames: ["b.example.com"] } }, good, at(10), "SpecChanged"],
  ];
  it.each(table)("%s", (_name, d, e, now, want) => {
    const got = decide(d, e, now);
    expect(got.action === "upToDate" ? "upToDate" : got.reason).toBe(want);
  });

  it("up to date answers with the renewal time: notAfter minus renewBefore", () => {
    const got = decide(desired, good, at(10));
    expect(got).toEqual({ action: "upToDate", renewalTime: new Date(notAfter.getTime() - 60 * DAY) });
  });

  it("reuses the key only with rotationPolicy Never and a key that still fits", () => {
    const never = { ...desired, rotationPolicy: "Never" as const };
    const now = new Date(notAfter.getTime() - DAY);
    expect(decide(desired, good, now)).toMatchObject({ reason: "Expiring", reuseKey: false });
    expect(decide(never, good, now)).toMatchObject({ reason: "Expiring", reuseKey: true });
    expect(decide({ ...never, key: { algorithm: "RSA", size: 2048 } }, good, now)).toMatchObject({ reuseKey: false });
    expect(decide({ ...never, renewalRequest: { id: "x", rekey: true } }, good, at(10))).toMatchObject({ reason: "RenewalRequested", reuseKey: false });
    expect(decide(never, { ...good, revokedReason: "keyCompromise" }, at(10))).toMatchObject({ reason: "Revoked", reuseKey: false });
    expect(decide(never, { ...good, revokedReason: "superseded" }, at(10))).toMatchObject({ reason: "Revoked", reuseKey: true });
  });

  it("names every difference between spec and certificate", () => {
    const d = { ...desired, subject: "CN=x", durationMs: DAY, sans: { ...desired.sans, uris: ["spiffe://x"] } };
    expect(specDifferences(d, good)).toEqual(["subject", "uris", "duration"]);
  });
});
