import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "./ca.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "./keys.ts";
import type { KeySpec } from "./keys.ts";
import { buildPkcs12 } from "./pkcs12.ts";
import { openssl, run, withFiles } from "./testing/openssl.ts";

const now = floorToSecond(new Date(Date.now() - 60_000));
let ca: IssuerMaterial;
const keytool = (await run("sh", ["-c", "command -v keytool"])).code === 0;

async function leafFor(spec: KeySpec): Promise<{ key: string; cert: string }> {
  const key = await generatePrivateKey(spec);
  const cert = await signCertificate({
    issuer: ca,
    publicKeyPem: publicKeyPemFromPrivate(key),
    subject: { commonName: "p12 leaf" },
    sans: { dnsNames: ["p12.example"] },
    keyUsages: ["digitalSignature"],
    extKeyUsages: ["clientAuth"],
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  });
  return { key, cert };
}

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "p12 CA", now });
});

describe("buildPkcs12", () => {
  it.each([[{ algorithm: "ECDSA" }], [{ algorithm: "RSA" }]] as [KeySpec][])("writes a %j keystore openssl reads with PBES2/AES-256 and an SHA-256 MAC", async (spec) => {
    const { key, cert } = await leafFor(spec);
    const p12 = await buildPkcs12({ privateKeyPem: key, certificatePems: [cert, ca.certificatePem], password: "s3cret ção", friendlyName: "tls" });
    await withFiles({ "ks.p12": p12, "key.pem": key }, async (path) => {
      const info = await openssl("pkcs12", "-info", "-in", path("ks.p12"), "-passin", "pass:s3cret ção", "-noout");
      expect(info.code).toBe(0);
      expect(info.stderr).toMatch(/MAC: sha256, Iteration 10000/);
      expect(info.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
      expect(info.stderr).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
      // the key inside is the same key, and the certificates come back in order
      const keyOut = await openssl("pkcs12", "-in", path("ks.p12"), "-passin", "pass:s3cret ção", "-nocerts", "-nodes");
      const pubFromP12 = await run("sh", ["-c", `printf '%s' "$1" | openssl pkey -pubout`, "sh", keyOut.stdout]);
      expect(pubFromP12.stdout).toBe(publicKeyPemFromPrivate(key));
      const certsOut = await openssl("pkcs12", "-in", path("ks.p12"), "-passin", "pass:s3cret ção", "-nokeys");
      expect(certsOut.stdout).toMatch(/friendlyName: tls[\s\S]*subject=CN = p12 leaf[\s\S]*subject=CN = p12 CA/);
      const wrong = await openssl("pkcs12", "-info", "-in", path("ks.p12"), "-passin", "pass:wrong", "-noout");
      expect(wrong.code).not.toBe(0);
    });
  });

  it.runIf(keytool)("is listed by Java keytool as a private key entry with its chain", async () => {
    for (const [spec, friendlyName] of [
      [{ algorithm: "ECDSA" }, "tls"],
      [{ algorithm: "RSA" }, undefined],
    ] as [KeySpec, string | undefined][]) {
      const { key, cert } = await leafFor(spec);
      const p12 = await buildPkcs12({ privateKeyPem: key, certificatePems: [`${cert}${ca.certificatePem}`], password: "changeit", friendlyName });
      await withFiles({ "ks.p12": p12 }, async (path) => {
        const res = await run("keytool", ["-list", "-v", "-keystore", path("ks.p12"), "-storetype", "PKCS12", "-storepass", "changeit"]);
        expect(res.stdout).toContain("Your keystore contains 1 entry");
        expect(res.stdout).toContain("Entry type: PrivateKeyEntry");
        expect(res.stdout).toContain("Certificate chain length: 2");
        if (friendlyName) expect(res.stdout).toContain(`Alias name: ${friendlyName}`);
      });
    }
  });

  it("refuses a key that does not match the leaf and an empty chain", async () => {
    const { cert } = await leafFor({ algorithm: "ECDSA" });
    const other = await generatePrivateKey({ algorithm: "ECDSA" });
    await expect(buildPkcs12({ privateKeyPem: other, certificatePems: [cert], password: "x" })).rejects.toThrow(/does not match the leaf/);
    await expect(buildPkcs12({ privateKeyPem: other, certificatePems: [], password: "x" })).rejects.toThrow(/at least the leaf/);
  });
});
