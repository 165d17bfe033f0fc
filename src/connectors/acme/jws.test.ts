import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { jwkThumbprint, publicJwk, signJws } from "./jws.ts";

const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

describe("ACME JWS", () => {
  it("signs ES256 over protected.payload, verifiable with the JWK it carries", () => {
    const jwk = publicJwk(privateKey);
    const jws = signJws(privateKey, { jwk }, "https://acme.example/new-acct", "nonce-1", { termsOfServiceAgreed: true });
    const header = JSON.parse(Buffer.from(jws.protected, "base64url").toString()) as Record<string, unknown>;
    expect(header).toEqual({ alg: "ES256", nonce: "nonce-1", url: "https://acme.example/new-acct", jwk });
    expect(JSON.parse(Buffer.from(jws.payload, "base64url").toString())).toEqual({ termsOfServiceAgreed: true });
    const signature = Buffer.from(jws.signature, "base64url");
    expect(signature).toHaveLength(64);
    const publicKey = createPublicKey({ key: { ...jwk }, format: "jwk" });
    const input = Buffer.from(`${jws.protected}.${jws.payload}`);
    expect(verify("sha256", input, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
  });

  it("uses kid instead of jwk for an existing account, and an empty payload for POST-as-GET", () => {
    const jws = signJws(privateKey, { kid: "https://acme.example/acct/1" }, "https://acme.example/order/1", "n", undefined);
    const header = JSON.parse(Buffer.from(jws.protected, "base64url").toString()) as Record<string, unknown>;
    expect(header.kid).toBe("https://acme.example/acct/1");
    expect(header.jwk).toBeUndefined();
    expect(jws.payload).toBe("");
  });

  it("computes the RFC 7638 thumbprint as jose does", async () => {
    const jwk = publicJwk(privateKey);
    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, "sha256"));
  });

  it("refuses a key that is not P-256", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    expect(() => publicJwk(rsa)).toThrow(/P-256/);
  });
});
