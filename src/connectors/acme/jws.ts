// JSON Web Signatures for ACME requests (RFC 8555 §6.2, RFC 7515): ES256 over the account key,
// flattened JSON serialization, and the JWK thumbprint (RFC 7638) used in key authorizations.
import { createHash, sign, type KeyObject } from "node:crypto";

export interface EcJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
}

export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** Who signs: a new account names its key (jwk); an existing one its account URL (kid). */
export type JwsSigner = { jwk: EcJwk } | { kid: string };

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/** The public half of a P-256 key as a JWK, with only the members RFC 7638 hashes. */
export function publicJwk(key: KeyObject): EcJwk {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y) {
    throw new Error("the ACME account key must be an ECDSA P-256 key");
  }
  return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
export function jwkThumbprint(jwk: EcJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64url(createHash("sha256").update(canonical).digest());
}

/**
 * Signs one ACME request. `payload` undefined means POST-as-GET (empty payload, RFC 8555 §6.3);
 * every other value is sent as JSON.
 */
export function signJws(key: KeyObject, signer: JwsSigner, url: string, nonce: string, payload: unknown): FlattenedJws {
  const header = { alg: "ES256", nonce, url, ...signer };
  const protectedB64 = base64url(JSON.stringify(header));
  const payloadB64 = payload === undefined ? "" : base64url(JSON.stringify(payload));
  // JWS wants the raw r||s form, not the DER that node:crypto produces by default.
  const signature = sign("sha256", Buffer.from(`${protectedB64}.${payloadB64}`), { key, dsaEncoding: "ieee-p1363" });
  return { protected: protectedB64, payload: payloadB64, signature: base64url(signature) };
}
