import { describe, expect, it } from "vitest";
import { buildCsr, CsrError, parseAndVerifyCsr } from "./csr.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "./keys.ts";
import { checkNameEncoding } from "./name-encoding.ts";
import type { KeySpec } from "./keys.ts";
import { MAX_CSR_LENGTH, pemDecode, pemEncode } from "./pem.ts";
import { openssl, withFiles } from "./testing/openssl.ts";

const sans = { dnsNames: ["api.example.com", "*.example.com"], ipAddresses: ["10.1.2.3", "2001:DB8:0:0:0:0:0:1"], uris: ["spiffe://example/ns/a"], emailAddresses: ["ops@example.com"] };

describe("buildCsr", () => {
  it.each([
    [{ algorithm: "ECDSA" }, "ecdsa-with-SHA256"],
    [{ algorithm: "ECDSA", size: 384 }, "ecdsa-with-SHA384"],
    [{ algorithm: "RSA" }, "sha256WithRSAEncryption"],
    [{ algorithm: "Ed25519" }, "ED25519"],
  ] as [KeySpec, string][])("signs a %j CSR that openssl verifies (%s)", async (spec, sigAlg) => {
    const key = await generatePrivateKey(spec);
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "api.example.com", organizations: ["Acme"] }, sans });
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    await withFiles({ "csr.pem": csr }, async (path) => {
      const res = await openssl("req", "-in", path("csr.pem"), "-verify", "-noout", "-text");
      expect(res.stderr + res.stdout).toMatch(/verify OK/);
      expect(res.stdout).toContain(`Signature Algorithm: ${sigAlg}`);
      expect(res.stdout).toContain("DNS:api.example.com, DNS:*.example.com, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://example/ns/a, email:ops@example.com");
    });
  });

  it("marks the SAN request critical when the subject is empty and refuses a CSR with no identity", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    const csr = await buildCsr({ privateKeyPem: key, subject: {}, sans: { dnsNames: ["a.example"] } });
    await withFiles({ "csr.pem": csr }, async (path) => {
      expect((await openssl("req", "-in", path("csr.pem"), "-noout", "-text")).stdout).toMatch(/Subject Alternative Name: critical/);
    });
    await expect(buildCsr({ privateKeyPem: key, subject: {}, sans: {} })).rejects.toThrow(/subject or at least one subject alternative name/);
  });

  it("rejects bad SANs", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    await expect(buildCsr({ privateKeyPem: key, subject: { commonName: "x" }, sans: { ipAddresses: ["10.0.0.256"] } })).rejects.toThrow(/not an IPv4 or IPv6 address/);
    await expect(buildCsr({ privateKeyPem: key, subject: { commonName: "x" }, sans: { uris: ["no scheme"] } })).rejects.toThrow(/not an absolute URI/);
  });
});

describe("parseAndVerifyCsr", () => {
  it("returns subject, canonical SANs, public key and key description", async () => {
    const key = await generatePrivateKey({ algorithm: "RSA" });
    const subject = { commonName: "x", countries: ["BR"], organizationIdentifier: "OFBBR-1", otherAttributes: [{ oid: "1.3.6.1.4.1.99999.7", value: "v" }] };
    const info = await parseAndVerifyCsr(await buildCsr({ privateKeyPem: key, subject, sans }));
    expect(info.subject).toEqual(subject);
    expect(info.sans).toEqual({ ...sans, ipAddresses: ["10.1.2.3", "2001:db8::1"] });
    expect(info.publicKeyPem).toBe(publicKeyPemFromPrivate(key));
    expect(info.key).toEqual({ algorithm: "RSA", size: 2048 });
  });

  it("accepts a CSR made by openssl", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 384 });
    await withFiles({ "key.pem": key }, async (path) => {
      const res = await openssl("req", "-new", "-key", path("key.pem"), "-subj", "/C=BR/O=Org/CN=cli", "-addext", "subjectAltName=DNS:cli.example,IP:::1");
      const info = await parseAndVerifyCsr(res.stdout);
      expect(info.subject).toEqual({ countries: ["BR"], organizations: ["Org"], commonName: "cli" });
      expect(info.sans.dnsNames).toEqual(["cli.example"]);
      expect(info.sans.ipAddresses).toEqual(["::1"]);
      expect(info.key).toEqual({ algorithm: "ECDSA", size: 384 });
    });
  });

  it("rejects a CSR whose signature has a flipped byte", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "x" }, sans: {} });
    const der = Buffer.from(pemDecode(csr, ["CERTIFICATE REQUEST"]).der);
    der[der.length - 5]! ^= 0x01; // inside the signature value, the last element
    const tampered = pemEncode(der, "CERTIFICATE REQUEST");
    await expect(parseAndVerifyCsr(tampered)).rejects.toThrow(CsrError);
    await expect(parseAndVerifyCsr(tampered)).rejects.toThrow("CSR signature is invalid");
  });

  it("rejects a CSR whose subject was changed after signing", async () => {
    const key = await generatePrivateKey({ algorithm: "Ed25519" });
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "good" }, sans: {} });
    const der = Buffer.from(pemDecode(csr, ["CERTIFICATE REQUEST"]).der);
    const at = der.indexOf(Buffer.from("good"));
    der.write("evil", at);
    await expect(parseAndVerifyCsr(pemEncode(der, "CERTIFICATE REQUEST"))).rejects.toThrow("CSR signature is invalid");
  });

  it("rejects input that is not a PEM CSR", async () => {
    await expect(parseAndVerifyCsr("hello")).rejects.toThrow(new CsrError("not a PEM CSR (expected a CERTIFICATE REQUEST block)"));
    await expect(parseAndVerifyCsr(pemEncode(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), "CERTIFICATE REQUEST"))).rejects.toThrow(/CSR cannot be parsed/);
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    await expect(parseAndVerifyCsr(key)).rejects.toBeInstanceOf(CsrError);
  });
});

describe("CSR input limits", () => {
  it("refuses a 1 MiB and a 10 MiB CSR by size, before parsing", async () => {
    for (const size of [1024 * 1024, 10 * 1024 * 1024]) {
      const pem = pemEncode(Buffer.alloc((size * 3) / 4), "CERTIFICATE REQUEST");
      await expect(parseAndVerifyCsr(pem)).rejects.toThrow(new CsrError(`CSR is ${pem.length} bytes, over the limit of ${MAX_CSR_LENGTH}`));
    }
  });

  it("says what is wrong with the framing", async () => {
    await expect(parseAndVerifyCsr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n")).rejects.toThrow(/malformed CSR: .* no END line/);
  });
});

describe("external CSRs with names the policy cannot judge", () => {
  it("refuses an otherName (UPN) SAN", async () => {
    await withFiles({}, async (path) => {
      const gen = await openssl("genpkey", "-algorithm", "ed25519", "-out", path("k.pem"));
      expect(gen.code).toBe(0);
      const csr = await openssl("req", "-new", "-key", path("k.pem"), "-subj", "/CN=x", "-addext", "subjectAltName=DNS:a.example,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:u@example");
      expect(csr.code, csr.stderr).toBe(0);
      await expect(parseAndVerifyCsr(csr.stdout)).rejects.toThrow(/subject alternative names of type upn; only DNS, IP, URI and email names can be judged/);
    });
  });

  it("reports a second commonName as an otherAttribute that checkNameEncoding refuses", async () => {
    await withFiles({}, async (path) => {
      await openssl("genpkey", "-algorithm", "ed25519", "-out", path("k.pem"));
      const csr = await openssl("req", "-new", "-key", path("k.pem"), "-subj", "/CN=good.example/CN=evil.example");
      expect(csr.code, csr.stderr).toBe(0);
      const info = await parseAndVerifyCsr(csr.stdout);
      expect(checkNameEncoding(info.subject, info.sans)?.message).toMatch(/subject.otherAttributes\[0\].oid "2.5.4.3": is commonName, which has its own field/);
    });
  });
});
