import { createHash, X509Certificate } from "node:crypto";
import { calculateJwkThumbprint, compactVerify, CompactSign, createLocalJWKSet, importPKCS8 } from "jose";
import type { JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, floorToSecond, signCertificate } from "./ca.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { buildJwks } from "./jwks.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "./keys.ts";
import type { KeySpec } from "./keys.ts";
import { pemDecode } from "./pem.ts";

const now = floorToSecond(new Date());
let ca: IssuerMaterial;

async function leafFor(spec: KeySpec): Promise<{ key: string; cert: string }> {
  const key = await generatePrivateKey(spec);
  const cert = await signCertificate({
    issuer: ca,
    publicKeyPem: publicKeyPemFromPrivate(key),
    subject: { commonName: "jwks leaf" },
    sans: {},
    keyUsages: ["digitalSignature"],
    extKeyUsages: [],
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  });
  return { key, cert };
}

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "jwks CA", now });
});

describe("buildJwks", () => {
  it.each([
    [{ algorithm: "ECDSA" }, "ES256", ["kty", "crv", "x", "y"]],
    [{ algorithm: "ECDSA", size: 384 }, "ES384", ["kty", "crv", "x", "y"]],
    [{ algorithm: "RSA" }, "PS256", ["kty", "n", "e"]],
    [{ algorithm: "Ed25519" }, "EdDSA", ["kty", "crv", "x"]],
  ] as [KeySpec, string, string[]][])("publishes a %j signing key that verifies a JWS (%s)", async (spec, alg, keyMembers) => {
    const { key, cert } = await leafFor(spec);
    const jwks = await buildJwks({ certificatePems: [cert, ca.certificatePem], use: "sig" });
    expect(jwks.keys).toHaveLength(1);
    const jwk = jwks.keys[0]!;
    expect(Object.keys(jwk).sort()).toEqual([...keyMembers, "kid", "use", "alg", "x5c", "x5t#S256"].sort());
    expect(jwk).toMatchObject({ use: "sig", alg });
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk as JWK, "sha256"));
    const leafDer = pemDecode(cert, ["CERTIFICATE"]).der;
    expect(jwk["x5t#S256"]).toBe(createHash("sha256").update(leafDer).digest("base64url"));
    expect(jwk.x5c).toEqual([leafDer.toString("base64"), pemDecode(ca.certificatePem, ["CERTIFICATE"]).der.toString("base64")]);
    expect(new X509Certificate(Buffer.from(jwk.x5c[0]!, "base64")).subject).toBe("CN=jwks leaf");

    const jws = await new CompactSign(new TextEncoder().encode("payload")).setProtectedHeader({ alg, kid: jwk.kid }).sign(await importPKCS8(key, alg));
    const verified = await compactVerify(jws, createLocalJWKSet(jwks as { keys: JWK[] }));
    expect(new TextDecoder().decode(verified.payload)).toBe("payload");
  });

  it("defaults encryption algorithms and accepts a fitting explicit alg", async () => {
    const rsa = await leafFor({ algorithm: "RSA" });
    const ec = await leafFor({ algorithm: "ECDSA" });
    expect((await buildJwks({ certificatePems: [rsa.cert], use: "enc" })).keys[0]).toMatchObject({ use: "enc", alg: "RSA-OAEP-256" });
    expect((await buildJwks({ certificatePems: [ec.cert], use: "enc" })).keys[0]).toMatchObject({ use: "enc", alg: "ECDH-ES" });
    expect((await buildJwks({ certificatePems: [rsa.cert], use: "sig", alg: "RS256" })).keys[0]?.alg).toBe("RS256");
    expect((await buildJwks({ certificatePems: [rsa.cert], use: "sig" })).keys[0]?.x5c).toHaveLength(1);
  });

  it("refuses algorithms that do not fit the key", async () => {
    const ec = await leafFor({ algorithm: "ECDSA" });
    const ed = await leafFor({ algorithm: "Ed25519" });
    await expect(buildJwks({ certificatePems: [ec.cert], use: "sig", alg: "PS256" })).rejects.toThrow(/does not fit/);
    await expect(buildJwks({ certificatePems: [ed.cert], use: "enc" })).rejects.toThrow(/cannot be published for use "enc"/);
    await expect(buildJwks({ certificatePems: [], use: "sig" })).rejects.toThrow(/at least the leaf/);
  });

  it("never includes private key members", async () => {
    for (const spec of [{ algorithm: "RSA" }, { algorithm: "ECDSA" }, { algorithm: "Ed25519" }] as KeySpec[]) {
      const { cert } = await leafFor(spec);
      const text = JSON.stringify(await buildJwks({ certificatePems: [cert], use: "sig" }));
      for (const member of ['"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"', '"oth"', '"k"']) expect(text).not.toContain(`${member}:`);
    }
  });
});
