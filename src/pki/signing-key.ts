// Turns PEM keys into the WebCrypto keys and signature algorithms @peculiar/x509 signs with.
// One place decides the signature algorithm per key: RSA -> SHA-256 PKCS#1 v1.5 (what every
// relying party accepts), ECDSA -> the hash matching the curve strength, Ed25519 -> pure EdDSA.
import { createPublicKey, webcrypto } from "node:crypto";
import { describeKeyObject, loadPrivateKey } from "./keys.ts";
import type { KeyDescription } from "./keys.ts";

type CryptoKey = webcrypto.CryptoKey;

export interface SignatureAlgorithm {
  name: string;
  hash?: string;
}

export interface ImportedKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  signingAlgorithm: SignatureAlgorithm;
  key: KeyDescription;
}

const CURVE_BY_SIZE: Record<number, { namedCurve: string; hash: string }> = {
  256: { namedCurve: "P-256", hash: "SHA-256" },
  384: { namedCurve: "P-384", hash: "SHA-384" },
  521: { namedCurve: "P-521", hash: "SHA-512" },
};

interface WebAlgorithms {
  importParams: { name: string; hash?: string; namedCurve?: string };
  signingAlgorithm: SignatureAlgorithm;
}

function webAlgorithms(key: KeyDescription): WebAlgorithms {
  if (key.algorithm === "RSA") {
    const params = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    return { importParams: params, signingAlgorithm: params };
  }
  if (key.algorithm === "ECDSA") {
    const curve = CURVE_BY_SIZE[key.size ?? 0];
    if (!curve) throw new Error(`unsupported ECDSA key size ${key.size}`);
    return { importParams: { name: "ECDSA", namedCurve: curve.namedCurve }, signingAlgorithm: { name: "ECDSA", hash: curve.hash } };
  }
  return { importParams: { name: "Ed25519" }, signingAlgorithm: { name: "Ed25519" } };
}

/** Imports a PKCS#8 private key PEM (and its public half) for signing. */
export async function importKeyPair(privateKeyPem: string): Promise<ImportedKeyPair> {
  const keyObject = loadPrivateKey(privateKeyPem);
  const key = describeKeyObject(keyObject);
  const { importParams, signingAlgorithm } = webAlgorithms(key);
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  const spkiDer = createPublicKey(keyObject).export({ type: "spki", format: "der" });
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, importParams, false, ["sign"]);
  const publicKey = await webcrypto.subtle.importKey("spki", spkiDer, importParams, true, ["verify"]);
  return { privateKey, publicKey, signingAlgorithm, key };
}
