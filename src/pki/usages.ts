// Key usages per certificate type: the one table that decides them.
import type { KeyAlgorithm } from "./keys.ts";

export const CERTIFICATE_TYPES = ["transport", "signing", "encryption", "server", "client"] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

export type KeyUsageName =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign";

export type ExtKeyUsageName = "serverAuth" | "clientAuth";

export interface Usages {
  keyUsages: KeyUsageName[];
  extKeyUsages: ExtKeyUsageName[];
}

interface Row {
  /** Usages whatever the key. */
  common: KeyUsageName[];
  /** Added for RSA keys, which can encrypt directly. */
  rsa: KeyUsageName[];
  /** Added for ECDSA keys. */
  ecdsa: KeyUsageName[];
  extKeyUsages: ExtKeyUsageName[];
}

// keyEncipherment on TLS certificates only means something for RSA (RSA key transport), so it is
// added for RSA keys only. An EC key cannot encrypt: it "encrypts" by ECDH key agreement (e.g.
// JWE ECDH-ES), so an ECDSA encryption certificate carries keyAgreement instead.
const TABLE: Record<CertificateType, Row> = {
  // Open-finance transport certificates are mTLS client certificates.
  transport: { common: ["digitalSignature"], rsa: ["keyEncipherment"], ecdsa: [], extKeyUsages: ["clientAuth"] },
  signing: { common: ["digitalSignature", "nonRepudiation"], rsa: [], ecdsa: [], extKeyUsages: [] },
  encryption: { common: [], rsa: ["keyEncipherment", "dataEncipherment"], ecdsa: ["keyAgreement"], extKeyUsages: [] },
  server: { common: ["digitalSignature"], rsa: ["keyEncipherment"], ecdsa: [], extKeyUsages: ["serverAuth"] },
  client: { common: ["digitalSignature"], rsa: ["keyEncipherment"], ecdsa: [], extKeyUsages: ["clientAuth"] },
};

export function usagesForType(type: CertificateType, keyAlgorithm: KeyAlgorithm): Usages {
  const row = TABLE[type];
  if (!row) throw new Error(`unknown certificate type ${JSON.stringify(type)}`);
  // Ed25519 only signs (X25519 is a different key), so it cannot back an encryption certificate.
  if (type === "encryption" && keyAlgorithm === "Ed25519") throw new Error("an Ed25519 key cannot be used for an encryption certificate; use RSA or ECDSA");
  const extra = keyAlgorithm === "RSA" ? row.rsa : keyAlgorithm === "ECDSA" ? row.ecdsa : [];
  return { keyUsages: [...row.common, ...extra], extKeyUsages: [...row.extKeyUsages] };
}
