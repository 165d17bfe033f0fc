import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../connector.ts";
import { MAX_PROVISIONER_KEY_BYTES, parseProvisionerKey } from "./provisioner-key.ts";
import { mintToken, TOKEN_LIFETIME_S } from "./token.ts";

const where = "Secret p/key";

function ecKey(curve = "P-256") {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
  return { privateKey, publicJwk: publicKey.export({ format: "jwk" }) as JWK };
}

describe("provisioner key", () => {
  it("reads a private JWK, keeping its kid, and a PEM whose kid defaults to the RFC 7638 thumbprint", async () => {
    const { privateKey, publicJwk } = ecKey();
    const jwk = { ...(privateKey.export({ format: "jwk" }) as JWK), kid: "my-kid" };
    expect(await parseProvisionerKey(JSON.stringify(jwk), where)).toMatchObject({ alg: "ES256", kid: "my-kid" });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const fromPem = await parseProvisionerKey(pem, where);
    expect(fromPem).toMatchObject({ alg: "ES256", kid: await calculateJwkThumbprint(publicJwk) });
    expect((await parseProvisionerKey(pem, where, "override")).kid).toBe("override");
  });

  it("derives the algorithm from the key: P-384 ES384, Ed25519 EdDSA, RSA RS256", async () => {
    const p384 = ecKey("P-384").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect((await parseProvisionerKey(p384, where)).alg).toBe("ES384");
    const ed = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect((await parseProvisionerKey(ed, where)).alg).toBe("EdDSA");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect((await parseProvisionerKey(rsa, where)).alg).toBe("RS256");
  });

  it("refuses a public JWK, the encrypted key (JWE), a mismatched alg and an oversized value, without echoing the key", async () => {
    const { privateKey, publicJwk } = ecKey();
    const priv = privateKey.export({ format: "jwk" }) as JWK;
    const cases: [string, RegExp][] = [
      [JSON.stringify(publicJwk), /public JWK/],
      ["eyJhbGciOiJQQkVTMi1IUzI1NitBMTI4S1ciLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d", /encrypted key/],
      [JSON.stringify({ protected: "x", ciphertext: "y" }), /encrypted key/],
      [JSON.stringify({ ...priv, alg: "ES384" }), /declares alg ES384/],
      ["x".repeat(MAX_PROVISIONER_KEY_BYTES + 1), /larger than/],
      ["not a key", /not a private key PEM/],
    ];
    for (const [text, message] of cases) {
      const err = await parseProvisionerKey(text, where).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ reason: "ProvisionerKeyInvalid", retryable: false });
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain(String(priv.d));
    }
  });

  it("any text is a key or a ProvisionerKeyInvalid, never another failure", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.string().map((s) => `-----BEGIN PRIVATE KEY-----\n${s}\n-----END PRIVATE KEY-----\n`)), async (text) => {
        const r = await parseProvisionerKey(text, where).catch((e: unknown) => e);
        if (r instanceof Error) expect(r).toMatchObject({ name: "ConnectorError", reason: "ProvisionerKeyInvalid" });
      }),
      { numRuns: 300 },
    );
  });
});

describe("one-time token", () => {
  it("is a JWT step-ca accepts: kid header, iss = provisioner, aud, sub, sans, nbf/exp five minutes apart, a fresh jti", async () => {
    const { privateKey, publicJwk } = ecKey();
    const key = await parseProvisionerKey(privateKey.export({ format: "pem", type: "pkcs8" }).toString(), where, "kid-1");
    const now = new Date("2026-01-02T03:04:05.678Z");
    const claims = { issuer: "certwright", audience: "https://ca:9000/1.0/sign", subject: "svc.example.com", sans: ["svc.example.com", "10.0.0.1"], now };
    const token = await mintToken(key, claims);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", kid: "kid-1", typ: "JWT" });
    const { payload } = await jwtVerify(token, await importJWK(publicJwk, "ES256"), {
      issuer: "certwright",
      audience: "https://ca:9000/1.0/sign",
      currentDate: now,
    });
    expect(payload).toMatchObject({ sub: "svc.example.com", sans: ["svc.example.com", "10.0.0.1"], iat: 1767323045, nbf: 1767323045, exp: 1767323045 + TOKEN_LIFETIME_S });
    expect(payload.jti).toMatch(/^[0-9a-f]{32}$/);
    expect((await jwtVerify(await mintToken(key, claims), await importJWK(publicJwk, "ES256"), { currentDate: now })).payload.jti).not.toBe(payload.jti);
  });
});
