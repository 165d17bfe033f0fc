// Public JWK Sets for certificates, as open-finance directories publish them: one key for the
// leaf with its certificate chain (x5c) and thumbprints. Only public members ever appear.
import { createHash, X509Certificate } from "node:crypto";
import { describeKeyObject } from "./keys.ts";
import type { KeyAlgorithm } from "./keys.ts";
import { pemBlocks } from "./pem.ts";

export interface PublicJwk {
  kty: "RSA" | "EC" | "OKP";
  /** RFC 7638 SHA-256 thumbprint, base64url. */
  kid: string;
  use: "sig" | "enc";
  alg: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
  /** Standard base64 (not base64url) DER: leaf first, then the chain (RFC 7517 4.7). */
  x5c: string[];
  "x5t#S256": string;
}

export interface BuildJwksOptions {
  certificatePems: string[];
  use: "sig" | "enc";
  /** Default: PS256 (RSA, as FAPI requires), ES256/ES384 (EC), EdDSA; RSA-OAEP-256 / ECDH-ES for enc. */
  alg?: string;
}

// The algorithms each key can honestly be advertised for; the first is the default.
const ALGORITHMS: Record<"sig" | "enc", Record<string, string[]>> = {
  sig: {
    "RSA": ["PS256", "PS384", "PS512", "RS256", "RS384", "RS512"],
    "ECDSA-256": ["ES256"],
    "ECDSA-384": ["ES384"],
    "ECDSA-521": ["ES512"],
    "Ed25519": ["EdDSA"],
  },
  enc: {
    "RSA": ["RSA-OAEP-256", "RSA-OAEP", "RSA-OAEP-384", "RSA-OAEP-512"],
    "ECDSA-256": ["ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW"],
    "ECDSA-384": ["ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW"],
    "ECDSA-521": ["ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW"],
  },
};

function chooseAlg(key: { algorithm: KeyAlgorithm; size: number | undefined }, use: "sig" | "enc", alg: string | undefined): string {
  const family = key.algorithm === "ECDSA" ? `ECDSA-${key.size}` : key.algorithm;
  const allowed = ALGORITHMS[use][family];
  if (!allowed) throw new Error(`a ${key.algorithm} key cannot be published for use "${use}"`);
  if (alg === undefined) return allowed[0] ?? "";
  if (!allowed.includes(alg)) throw new Error(`alg ${alg} does not fit a ${family} key for use "${use}"; use one of ${allowed.join(", ")}`);
  return alg;
}

const b64url = (b: Buffer): string => b.toString("base64url");

// Async by contract; errors surface as rejections.
export function buildJwks(opts: BuildJwksOptions): Promise<{ keys: PublicJwk[] }> {
  return new Promise((resolve) => resolve(jwksOf(opts)));
}

function jwksOf(opts: BuildJwksOptions): { keys: PublicJwk[] } {
  const ders = opts.certificatePems.flatMap((pem) => pemBlocks(pem).filter((b) => b.label === "CERTIFICATE").map((b) => b.der));
  const leafDer = ders[0];
  if (!leafDer) throw new Error("a JWKS needs at least the leaf certificate");
  const publicKey = new X509Certificate(leafDer).publicKey;
  const alg = chooseAlg(describeKeyObject(publicKey), opts.use, opts.alg);
  const jwk = publicKey.export({ format: "jwk" });
  // Copy only public members by name: nothing else from the export can leak through.
  const members = jwk.kty === "RSA" ? { kty: "RSA" as const, n: jwk.n, e: jwk.e } : jwk.kty === "EC" ? { kty: "EC" as const, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: "OKP" as const, crv: jwk.crv, x: jwk.x };
  return {
    keys: [
      {
        ...members,
        kid: thumbprint(members),
        use: opts.use,
        alg,
        x5c: ders.map((d) => d.toString("base64")),
        "x5t#S256": b64url(createHash("sha256").update(leafDer).digest()),
      },
    ],
  };
}

/** RFC 7638: SHA-256 over the required members, in lexicographic order, without whitespace. */
export function thumbprint(jwk: { kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string }): string {
  const required = jwk.kty === "RSA" ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return b64url(createHash("sha256").update(JSON.stringify(required)).digest());
}
