import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { buildCsr } from "../../pki/csr.ts";
import type { IssuerMaterial } from "../../pki/issuer.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { MAX_CERTIFICATE_BUNDLE_LENGTH, pemEncode } from "../../pki/pem.ts";
import { usagesForType } from "../../pki/usages.ts";
import type { DesiredRequest } from "./desired.ts";
import { judgeHandOff } from "./hand-off.ts";

const now = floorToSecond(new Date());
const MiB = 1024 * 1024;
const desired: DesiredRequest = {
  type: "server",
  subject: "CN=tpp.example.com",
  subjectSpec: { commonName: "tpp.example.com" },
  sans: { dnsNames: ["tpp.example.com"], ipAddresses: [], uris: [], emailAddresses: [] },
  key: { algorithm: "ECDSA", size: 256 },
  durationMs: 86_400_000,
  renewBeforeMs: 3_600_000,
  rotationPolicy: "Always",
  external: false,
};

let ca: IssuerMaterial;
let request: Record<string, string>;
let signed: string;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "portal CA", now });
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  request = { "tls.csr": await buildCsr({ privateKeyPem: key, subject: desired.subjectSpec, sans: desired.sans }), "tls.key": key };
  signed = await signCertificate({
    issuer: ca,
    publicKeyPem: publicKeyPemFromPrivate(key),
    subject: desired.subjectSpec,
    sans: desired.sans,
    ...usagesForType("server", "ECDSA"),
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  });
});

const invalid = (message: RegExp) => ({ kind: "invalid", message: expect.stringMatching(message) as unknown });

describe("judgeHandOff", () => {
  it("accepts the signed certificate with its CA", async () => {
    const state = await judgeHandOff({ ...request, "tls.crt": signed, "ca.crt": ca.certificatePem }, desired);
    expect(state).toEqual({ kind: "handedBack", certificatePem: signed, keyPem: request["tls.key"], caPem: ca.certificatePem });
  });

  it.each([
    ["BEGIN without END", () => "-----BEGIN CERTIFICATE-----\nMIIB\n", /^tls\.crt: malformed certificate bundle: .*no END line/],
    ["END with another label", () => signed.replace("END CERTIFICATE", "END CERTIFICATE REQUEST"), /does not repeat its label/],
    ["bad base64", () => signed.replace(/\n[A-Za-z0-9+/]{4}/, "\n*%$#"), /not base64/],
    ["a 1 MiB bundle", () => pemEncode(Buffer.alloc((MiB * 3) / 4), "CERTIFICATE"), new RegExp(`over the limit of ${MAX_CERTIFICATE_BUNDLE_LENGTH}`)],
    ["a 10 MiB bundle", () => "A".repeat(10 * MiB), new RegExp(`is ${10 * MiB} bytes, over the limit`)],
    ["no PEM at all", () => "hello", /^tls\.crt does not hold a PEM certificate$/],
    ["valid framing, garbage DER", () => pemEncode(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), "CERTIFICATE"), /^tls\.crt does not hold a valid certificate$/],
    ["a garbage second certificate", () => signed + pemEncode(Buffer.from([1, 2, 3]), "CERTIFICATE"), /certificate 2 of 2 is not a valid certificate/],
  ])("a malformed hand-back (%s) is invalid, with the reason, never a throw", async (_name, crt, message) => {
    await expect(judgeHandOff({ ...request, "tls.crt": crt() }, desired)).resolves.toEqual(invalid(message));
  });

  it("a malformed ca.crt is invalid too", async () => {
    const state = await judgeHandOff({ ...request, "tls.crt": signed, "ca.crt": "-----BEGIN CERTIFICATE-----\n" }, desired);
    expect(state).toEqual(invalid(/^ca\.crt: malformed/));
  });

  it("a certificate for another key is invalid", async () => {
    const other = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const state = await judgeHandOff({ ...request, "tls.key": other, "tls.crt": signed }, desired);
    // The published CSR no longer matches the key either way: the CSR still fits, the key does not.
    expect(state).toEqual(invalid(/does not match the key/));
  });

  it("garbage in the published CSR or key means publish again", async () => {
    await expect(judgeHandOff({ ...request, "tls.csr": "-----BEGIN CERTIFICATE REQUEST-----\n", "tls.crt": signed }, desired)).resolves.toEqual({ kind: "publish" });
    await expect(judgeHandOff({ ...request, "tls.crt": "" }, desired)).resolves.toEqual({ kind: "waiting" });
  });
});
