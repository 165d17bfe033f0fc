// Private key generation and inspection. Keys travel as PEM strings (PKCS#8 for private keys,
// SPKI for public keys); errors never echo the input, as it may be key material.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { pemBlocks } from "./pem.ts";
import { Semaphore } from "./semaphore.ts";
import { x509 } from "./x509.ts";

export type KeyAlgorithm = "RSA" | "ECDSA" | "Ed25519";

export interface KeySpec {
  algorithm: KeyAlgorithm;
  /** RSA: 2048 | 3072 | 4096 (default 2048). ECDSA: 256 | 384 for P-256 / P-384 (default 256). Ed25519: ignored. */
  size?: number;
}

export interface KeyDescription {
  algorithm: KeyAlgorithm;
  /** RSA modulus bits or ECDSA curve bits; undefined for Ed25519. */
  size: number | undefined;
}

const RSA_SIZES = [2048, 3072, 4096];
const EC_CURVES: Record<number, string> = { 256: "P-256", 384: "P-384" };
// Node reports curves by their OpenSSL names.
const EC_SIZE_BY_OPENSSL_CURVE: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** Validates a spec and fills in the default size. */
export function normalizeKeySpec(spec: KeySpec): KeyDescription {
  switch (spec.algorithm) {
    case "RSA": {
      const size = spec.size ?? 2048;
      if (!RSA_SIZES.includes(size)) throw new Error(`unsupported RSA key size ${size}: use one of ${RSA_SIZES.join(", ")}`);
      return { algorithm: "RSA", size };
    }
    case "ECDSA": {
      const size = spec.size ?? 256;
      if (!EC_CURVES[size]) throw new Error(`unsupported ECDSA key size ${size}: use 256 (P-256) or 384 (P-384)`);
      return { algorithm: "ECDSA", size };
    }
    case "Ed25519":
      // Size is ignored for Ed25519, as cert-manager does, so a defaulted size does not break it.
      return { algorithm: "Ed25519", size: undefined };
    default:
      throw new Error(`unsupported key algorithm ${JSON.stringify((spec as { algorithm: unknown }).algorithm)}`);
  }
}

const generation = new Semaphore(2);

/** How many key generations may run at once (default 2). */
export function setKeyGenerationConcurrency(n: number): void {
  generation.setLimit(n);
}

/** Generates a key on the libuv thread pool (never on the event loop) and returns PKCS#8 PEM. */
export async function generatePrivateKey(spec: KeySpec): Promise<string> {
  const { algorithm, size } = normalizeKeySpec(spec);
  return generation.run(() => generatePem(algorithm, size));
}

const PKCS8_PEM = { type: "pkcs8", format: "pem" } as const;
const SPKI_PEM = { type: "spki", format: "pem" } as const;

function generatePem(algorithm: KeyAlgorithm, size: number | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _publicKey: string, privateKey: string): void => {
      if (err) reject(new Error(`key generation failed: ${err.message}`));
      else resolve(privateKey);
    };
    // The callback form of generateKeyPair is the one that runs off the main thread.
    if (algorithm === "RSA") {
      generateKeyPair("rsa", { modulusLength: size ?? 2048, publicExponent: 0x10001, publicKeyEncoding: SPKI_PEM, privateKeyEncoding: PKCS8_PEM }, done);
    } else if (algorithm === "ECDSA") {
      generateKeyPair("ec", { namedCurve: EC_CURVES[size ?? 256] ?? "P-256", publicKeyEncoding: SPKI_PEM, privateKeyEncoding: PKCS8_PEM }, done);
    } else {
      generateKeyPair("ed25519", { publicKeyEncoding: SPKI_PEM, privateKeyEncoding: PKCS8_PEM }, done);
    }
  });
}

const PRIVATE_LABELS = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"];
const PUBLIC_LABELS = ["PUBLIC KEY", "RSA PUBLIC KEY"];

/** Parses a private key PEM. The error names the problem, never the content. */
export function loadPrivateKey(pem: string): KeyObject {
  const label = firstLabel(pem);
  if (!label || !PRIVATE_LABELS.includes(label)) throw new Error("not a private key PEM (expected PRIVATE KEY)");
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new Error("invalid or encrypted private key PEM");
  }
}

/** The public key of a private key, public key, certificate or CSR PEM. */
export function loadPublicKey(pem: string): KeyObject {
  const label = firstLabel(pem);
  try {
    if (label && PRIVATE_LABELS.includes(label)) return createPublicKey(loadPrivateKey(pem));
    if (label && PUBLIC_LABELS.includes(label)) return createPublicKey({ key: pem, format: "pem" });
    if (label === "CERTIFICATE") return new X509Certificate(pem).publicKey;
    if (label === "CERTIFICATE REQUEST") {
      const spki = new x509.Pkcs10CertificateRequest(pem).publicKey.rawData;
      return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    }
  } catch {
    throw new Error(`invalid ${label} PEM`);
  }
  throw new Error("not a key, certificate or CSR PEM");
}

function firstLabel(pem: string): string | undefined {
  try {
    return pemBlocks(pem)[0]?.label;
  } catch {
    return undefined;
  }
}

/** Algorithm and size of a key; accepts private or public key PEM (and certificates/CSRs). */
export function describeKey(pem: string): KeyDescription {
  return describeKeyObject(loadPublicKey(pem));
}

export function describeKeyObject(key: KeyObject): KeyDescription {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return { algorithm: "RSA", size: key.asymmetricKeyDetails?.modulusLength };
    case "ec": {
      const size = EC_SIZE_BY_OPENSSL_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ""];
      if (!size) throw new Error(`unsupported elliptic curve ${key.asymmetricKeyDetails?.namedCurve ?? "(unknown)"}`);
      return { algorithm: "ECDSA", size };
    }
    case "ed25519":
      return { algorithm: "Ed25519", size: undefined };
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType ?? "(unknown)"}`);
  }
}

/** True when the key has the algorithm and size the spec asks for (size defaults applied). */
export function keyMatchesSpec(pem: string, spec: KeySpec): boolean {
  const want = normalizeKeySpec(spec);
  const have = describeKey(pem);
  return have.algorithm === want.algorithm && have.size === want.size;
}

/** SPKI PEM of a private key. */
export function publicKeyPemFromPrivate(privateKeyPem: string): string {
  return createPublicKey(loadPrivateKey(privateKeyPem)).export({ type: "spki", format: "pem" }).toString();
}

export function spkiDer(pem: string): Buffer {
  return loadPublicKey(pem).export({ type: "spki", format: "der" });
}

/** Lowercase hex SHA-256 of the SPKI DER: equal values mean the same key pair. */
export function spkiSha256(publicOrPrivateOrCertPem: string): string {
  return createHash("sha256").update(spkiDer(publicOrPrivateOrCertPem)).digest("hex");
}
