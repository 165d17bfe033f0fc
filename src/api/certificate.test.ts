import { describe, expect, it } from "vitest";
import { certificateSpecSchema, certificateStatusSchema, type CertificateSpecInput } from "./certificate.ts";

const base: CertificateSpecInput = {
  raProfileRef: { name: "default" },
  type: "server",
  secretName: "api-tls",
  dnsNames: ["api.example.com"],
};

function problems(spec: unknown): string[] {
  const r = certificateSpecSchema.safeParse(spec);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("certificateSpecSchema", () => {
  it("applies defaults but leaves duration and renewBefore to the profile", () => {
    const spec = certificateSpecSchema.parse({ ...base, privateKey: {}, csrSecretRef: undefined });
    expect(spec.raProfileRef.kind).toBe("RAProfile");
    expect(spec.privateKey).toEqual({ algorithm: "RSA", rotationPolicy: "Always", encoding: "PKCS8" });
    expect(spec.duration).toBeUndefined();
    expect(spec.renewBefore).toBeUndefined();
  });

  it("defaults the CSR key and the revocation reason", () => {
    const spec = certificateSpecSchema.parse({ ...base, csrSecretRef: { name: "my-csr" }, revocation: {} });
    expect(spec.csrSecretRef).toEqual({ name: "my-csr", key: "tls.csr" });
    expect(spec.revocation).toEqual({ reason: "unspecified" });
  });

  it("accepts a full spec", () => {
    const full: CertificateSpecInput = {
      ...base,
      type: "signing",
      raProfileRef: { name: "ob", kind: "ClusterRAProfile" },
      subject: {
        commonName: "client-1",
        countries: ["GB"],
        organizations: ["Example Ltd"],
        organizationIdentifier: "PSDGB-FCA-123456",
        otherAttributes: [{ oid: "2.5.4.15", value: "x" }],
      },
      ipAddresses: ["10.0.0.1", "fd00::1"],
      uris: ["spiffe://cluster.local/ns/a/sa/b"],
      emailAddresses: ["ops@example.com"],
      duration: "2160h",
      renewBefore: "360h",
      privateKey: { algorithm: "ECDSA", size: 384, rotationPolicy: "Never" },
      secretTemplate: { labels: { a: "b" }, annotations: { c: "d" } },
      keystores: { pkcs12: { create: true, passwordSecretRef: { name: "p12", key: "password" } } },
      jwks: { enabled: true, alg: "ES384" },
      renewalRequest: { id: "2025-01-01", rekey: true },
    };
    expect(problems(full)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["RSA size", { privateKey: { algorithm: "RSA", size: 1024 } }, /privateKey.size: RSA key size must be one of 2048, 3072, 4096/],
    ["ECDSA size", { privateKey: { algorithm: "ECDSA", size: 521 } }, /ECDSA key size must be one of 256, 384/],
    ["Ed25519 size", { privateKey: { algorithm: "Ed25519", size: 256 } }, /Ed25519 keys have a fixed size/],
    ["key and CSR", { privateKey: {}, csrSecretRef: { name: "csr" } }, /mutually exclusive/],
    ["no identity", { type: "client", dnsNames: [] }, /set subject.commonName or at least one of/],
    ["server without names", { dnsNames: undefined, subject: { commonName: "x" } }, /server certificate needs dnsNames or ipAddresses/],
    ["renewBefore >= duration", { duration: "24h", renewBefore: "24h" }, /renewBefore: renewBefore must be shorter than duration/],
    ["pkcs12 without password", { keystores: { pkcs12: { create: true } } }, /keystores.pkcs12.passwordSecretRef: a PKCS#12 keystore needs/],
    ["jwks on server", { jwks: { enabled: true } }, /jwks: jwks is only for signing and encryption/],
    [
      "pkcs12 with external CSR",
      { csrSecretRef: { name: "csr" }, keystores: { pkcs12: { create: true, passwordSecretRef: { name: "p", key: "k" } } } },
      /needs the private key/,
    ],
    ["bad duration", { duration: "1d" }, /duration: invalid duration/],
    ["bad secret name", { secretName: "Bad_Name" }, /secretName: must be a lowercase DNS-1123 subdomain/],
    ["bad IP", { ipAddresses: ["10.0.0.256"] }, /ipAddresses.0: must be an IPv4 or IPv6 address/],
    ["bad DNS name", { dnsNames: ["a..b"] }, /dnsNames.0: must be an ASCII DNS name/],
    ["bad OID", { subject: { otherAttributes: [{ oid: "2.5.4.", value: "x" }] } }, /must be a dotted attribute OID/],
    ["too many SANs", { dnsNames: Array.from({ length: 101 }, (_, i) => `h${i}.example.com`) }, /dnsNames: Too big/],
    ["unknown type", { type: "ca" }, /type: Invalid option/],
  ])("refuses %s", (_name, patch, want) => {
    expect(problems({ ...base, ...patch }).join("\n")).toMatch(want);
  });

  it("allows a server certificate without names when the CSR brings them", () => {
    expect(problems({ ...base, dnsNames: undefined, csrSecretRef: { name: "csr" } })).toEqual([]);
  });

  it("allows jwks disabled on any type", () => {
    expect(problems({ ...base, jwks: { enabled: false } })).toEqual([]);
  });
});

describe("certificateStatusSchema", () => {
  it("accepts a typical status and bounds the history", () => {
    const entry = {
      serialNumber: "0a1b",
      notBefore: "2025-01-01T00:00:00Z",
      notAfter: "2025-12-17T00:00:00Z",
      state: "superseded",
    };
    const status = {
      conditions: [{ type: "Ready", status: "True", reason: "Issued", message: "ok", lastTransitionTime: "2025-01-01T00:00:00Z" }],
      notAfter: "2025-12-17T00:00:00Z",
      revision: 2,
      history: [entry],
    };
    expect(certificateStatusSchema.safeParse(status).success).toBe(true);
    expect(certificateStatusSchema.safeParse({ history: Array.from({ length: 21 }, () => entry) }).success).toBe(false);
    expect(certificateStatusSchema.safeParse({ revision: 1.5 }).success).toBe(false);
  });
});
