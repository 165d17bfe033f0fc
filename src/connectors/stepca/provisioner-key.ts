// The private key of a step-ca JWK provisioner, read from a Secret as a JWK (what
// `step crypto jwe decrypt` makes of the provisioner's encryptedKey) or as a PEM private key,
// with the JWS algorithm and key ID its tokens carry. Errors name the problem, never the key.
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { loadPrivateKey } from "../../pki/keys.ts";
import { ConnectorError } from "../connector.ts";

/** A provisioner key is a few hundred bytes (a 4096-bit RSA JWK about 3.2 KiB). */
export const MAX_PROVISIONER_KEY_BYTES = 16 * 1024;

export interface ProvisionerKey {
  key: KeyObject;
  /** JWS algorithm of the tokens: ES256/384/512, EdDSA or RS256. */
  alg: string;
  /** The provisioner's key ID in ca.json, sent as the token's kid header. */
  kid: string;
}

const invalid = (where: string, problem: string) => new ConnectorError("ProvisionerKeyInvalid", `${where}: ${problem}`, false);

/** `where` names the Secret and key for messages ("Secret step-provisioner/key.json"). */
export async function parseProvisionerKey(text: string, where: string, kidOverride?: string): Promise<ProvisionerKey> {
  if (Buffer.byteLength(text) > MAX_PROVISIONER_KEY_BYTES) throw invalid(where, `larger than ${MAX_PROVISIONER_KEY_BYTES} bytes`);
  const trimmed = text.trim();
  if (/^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/.test(trimmed) || /"ciphertext"\s*:/.test(trimmed)) {
    throw invalid(where, "holds the encrypted key (a JWE); store the decrypted JWK (step crypto jwe decrypt) or a PEM private key");
  }
  const key = trimmed.startsWith("{") ? fromJwk(trimmed, where) : fromPem(trimmed, where);
  const alg = algorithmOf(key.object, key.jwk.alg, where);
  const kid = kidOverride ?? key.jwk.kid ?? (await thumbprintOf(key.object));
  return { key: key.object, alg, kid };
}

interface LoadedKey {
  object: KeyObject;
  jwk: { alg?: string | undefined; kid?: string | undefined };
}

function fromJwk(text: string, where: string): LoadedKey {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw invalid(where, "is neither a JSON Web Key nor a PEM private key");
  }
  if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) throw invalid(where, "is not a JSON Web Key object");
  const j = jwk as Record<string, unknown>;
  if (typeof j.d !== "string") throw invalid(where, "is a public JWK; the provisioner's private key (with \"d\") is needed to sign tokens");
  let object: KeyObject;
  try {
    object = createPrivateKey({ key: j as JsonWebKey, format: "jwk" });
  } catch {
    throw invalid(where, "is not a valid private JWK");
  }
  const str = (v: unknown) => (typeof v === "string" && v.length > 0 && v.length <= 256 ? v : undefined);
  return { object, jwk: { alg: str(j.alg), kid: str(j.kid) } };
}

function fromPem(text: string, where: string): LoadedKey {
  try {
    return { object: loadPrivateKey(text), jwk: {} };
  } catch (e) {
    throw invalid(where, (e as Error).message);
  }
}

const CURVE_ALGS: Record<string, string> = { "prime256v1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512" };

function algorithmOf(key: KeyObject, declared: string | undefined, where: string): string {
  let alg: string | undefined;
  if (key.asymmetricKeyType === "ec") alg = CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ""];
  else if (key.asymmetricKeyType === "ed25519") alg = "EdDSA";
  else if (key.asymmetricKeyType === "rsa") alg = declared && /^(RS|PS)(256|384|512)$/.test(declared) ? declared : "RS256";
  if (!alg) throw invalid(where, `a ${key.asymmetricKeyType ?? "unknown"} key cannot sign step-ca tokens (EC P-256/384/521, Ed25519 or RSA)`);
  if (declared && declared !== alg) throw invalid(where, `declares alg ${declared.slice(0, 20)}, but the key signs ${alg}`);
  return alg;
}

/** RFC 7638 thumbprint of the public key: the kid `step crypto jwk create` gives a key. */
async function thumbprintOf(key: KeyObject): Promise<string> {
  return calculateJwkThumbprint(createPublicKey(key).export({ format: "jwk" }));
}
