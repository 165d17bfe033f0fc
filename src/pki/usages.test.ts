import { describe, expect, it } from "vitest";
import type { KeyAlgorithm } from "./keys.ts";
import { usagesForType } from "./usages.ts";
import type { CertificateType, ExtKeyUsageName, KeyUsageName } from "./usages.ts";

const table: [CertificateType, KeyAlgorithm, KeyUsageName[], ExtKeyUsageName[]][] = [
  ["transport", "RSA", ["digitalSignature", "keyEncipherment"], ["clientAuth"]],
  ["transport", "ECDSA", ["digitalSignature"], ["clientAuth"]],
  ["transport", "Ed25519", ["digitalSignature"], ["clientAuth"]],
  ["signing", "RSA", ["digitalSignature", "nonRepudiation"], []],
  ["signing", "ECDSA", ["digitalSignature", "nonRepudiation"], []],
  ["signing", "Ed25519", ["digitalSignature", "nonRepudiation"], []],
  ["encryption", "RSA", ["keyEncipherment", "dataEncipherment"], []],
  ["encryption", "ECDSA", ["keyAgreement"], []],
  ["server", "RSA", ["digitalSignature", "keyEncipherment"], ["serverAuth"]],
  ["server", "ECDSA", ["digitalSignature"], ["serverAuth"]],
  ["server", "Ed25519", ["digitalSignature"], ["serverAuth"]],
  ["client", "RSA", ["digitalSignature", "keyEncipherment"], ["clientAuth"]],
  ["client", "ECDSA", ["digitalSignature"], ["clientAuth"]],
  ["client", "Ed25519", ["digitalSignature"], ["clientAuth"]],
];

describe("usagesForType", () => {
  it.each(table)("%s with %s -> %j %j", (type, alg, keyUsages, extKeyUsages) => {
    expect(usagesForType(type, alg)).toEqual({ keyUsages, extKeyUsages });
  });

  it("refuses an Ed25519 encryption certificate", () => {
    expect(() => usagesForType("encryption", "Ed25519")).toThrow(/Ed25519 key cannot be used for an encryption certificate/);
  });

  it("returns fresh arrays callers may change", () => {
    usagesForType("server", "RSA").keyUsages.push("cRLSign");
    expect(usagesForType("server", "RSA").keyUsages).toEqual(["digitalSignature", "keyEncipherment"]);
  });
});
