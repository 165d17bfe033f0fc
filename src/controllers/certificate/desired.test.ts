import { describe, expect, it } from "vitest";
import { certificateSpecSchema, type CertificateSpecInput } from "../../api/certificate.ts";
import { raProfileSpecSchema } from "../../api/ra-profile.ts";
import { buildCsr, parseAndVerifyCsr } from "../../pki/csr.ts";
import { generatePrivateKey } from "../../pki/keys.ts";
import { defaultKeySize, desiredFrom } from "./desired.ts";

const H = 3_600_000;
const base: CertificateSpecInput = { raProfileRef: { name: "p" }, type: "server", secretName: "a-tls", dnsNames: ["a.example.com"] };
const spec = (over: Partial<CertificateSpecInput> = {}) => certificateSpecSchema.parse({ ...base, ...over });
const profile = (defaults?: object) => raProfileSpecSchema.parse({ authority: { type: "local", local: { caSecretName: "ca" } }, defaults });

describe("defaultKeySize", () => {
  const cases: [string, Parameters<typeof defaultKeySize>[0], number | undefined][] = [
    ["RSA unset", { algorithm: "RSA" }, 2048],
    ["RSA 4096", { algorithm: "RSA", size: 4096 }, 4096],
    ["ECDSA unset", { algorithm: "ECDSA" }, 256],
    ["ECDSA 384", { algorithm: "ECDSA", size: 384 }, 384],
    ["Ed25519 has no size", { algorithm: "Ed25519", size: 256 }, undefined],
  ];
  it.each(cases)("%s", (_name, key, want) => expect(defaultKeySize(key)).toBe(want));
});

describe("desiredFrom key and lifetime", () => {
  const cases: [string, Partial<CertificateSpecInput>, object | undefined, object][] = [
    ["built-in defaults", {}, undefined, { key: { algorithm: "RSA", size: 2048 }, durationMs: 8400 * H, renewBeforeMs: 1440 * H }],
    ["profile defaults fill unset fields", {}, { duration: "720h", renewBefore: "240h", privateKey: { algorithm: "ECDSA", size: 384 } },
      { key: { algorithm: "ECDSA", size: 384 }, durationMs: 720 * H, renewBeforeMs: 240 * H }],
    ["the spec wins over the profile", { duration: "48h", renewBefore: "12h", privateKey: { algorithm: "Ed25519" } },
      { duration: "720h", renewBefore: "240h", privateKey: { algorithm: "RSA", size: 4096 } },
      { key: { algorithm: "Ed25519", size: undefined }, durationMs: 48 * H, renewBeforeMs: 12 * H }],
    ["a profile key without size gets the algorithm's default", {}, { privateKey: { algorithm: "ECDSA" } }, { key: { algorithm: "ECDSA", size: 256 } }],
    ["only one lifetime field in the spec", { renewBefore: "1h30m" }, { duration: "100h" }, { durationMs: 100 * H, renewBeforeMs: 1.5 * H }],
  ];
  it.each(cases)("%s", (_name, over, defaults, want) => {
    expect(desiredFrom(spec(over), profile(defaults))).toMatchObject(want);
  });
});

describe("desiredFrom names and flags", () => {
  it("canonicalises the SANs and describes the subject", () => {
    const d = desiredFrom(
      spec({ subject: { commonName: "a.example.com", organizations: ["Acme"] }, dnsNames: ["a.example.com", "A.example.com"], ipAddresses: ["2001:db8:0:0::1"] }),
      profile(),
    );
    expect(d.sans).toEqual({ dnsNames: ["a.example.com"], ipAddresses: ["2001:db8::1"], uris: [], emailAddresses: [] });
    expect(d.subjectSpec).toEqual({ commonName: "a.example.com", organizations: ["Acme"] });
    expect(d.subject).toContain("CN=a.example.com");
    expect(d.subject).toContain("O=Acme");
    expect(d.type).toBe("server");
  });

  it("an unset subject is empty", () => {
    const d = desiredFrom(spec(), profile());
    expect(d.subjectSpec).toEqual({});
    expect(d.subject).toBe("");
  });

  const flags: [string, Partial<CertificateSpecInput>, object][] = [
    ["defaults", {}, { rotationPolicy: "Always", external: false, renewalRequest: undefined }],
    ["rotationPolicy Never", { privateKey: { rotationPolicy: "Never" } }, { rotationPolicy: "Never" }],
    ["renewal request without rekey", { renewalRequest: { id: "r1" } }, { renewalRequest: { id: "r1", rekey: false } }],
    ["renewal request with rekey", { renewalRequest: { id: "r2", rekey: true } }, { renewalRequest: { id: "r2", rekey: true } }],
  ];
  it.each(flags)("%s", (_name, over, want) => expect(desiredFrom(spec(over), profile())).toMatchObject(want));
});

describe("desiredFrom with an external CSR", () => {
  it("takes names and key from the CSR, not from the spec or the profile", async () => {
    const keyPem = await generatePrivateKey({ algorithm: "ECDSA", size: 384 });
    const csr = await parseAndVerifyCsr(
      await buildCsr({ privateKeyPem: keyPem, subject: { commonName: "csr.example.com" }, sans: { dnsNames: ["csr.example.com"], emailAddresses: ["ops@example.com"] } }),
    );
    const external = spec({ csrSecretRef: { name: "a-csr" }, subject: { commonName: "spec.example.com" }, dnsNames: ["spec.example.com"] });
    const d = desiredFrom(external, profile({ privateKey: { algorithm: "RSA", size: 3072 }, duration: "200h" }), csr);
    expect(d).toMatchObject({
      external: true,
      subjectSpec: { commonName: "csr.example.com" },
      sans: { dnsNames: ["csr.example.com"], ipAddresses: [], uris: [], emailAddresses: ["ops@example.com"] },
      key: { algorithm: "ECDSA", size: 384 },
      durationMs: 200 * H, // the lifetime is still ours to ask for
    });
    expect(d.subject).toContain("CN=csr.example.com");
  });
});
