// Reading certificates: the facts the controller records in status and compares with the spec.
import { createHash } from "node:crypto";
import { certificateNames, formatDn } from "./dn.ts";
import { extKeyUsageNames, keyUsageNames } from "./extensions.ts";
import { spkiSha256 } from "./keys.ts";
import { Lru } from "./memo.ts";
import { CERTIFICATE_BUNDLE_LIMITS, pemBlocks, pemDecode, pemEncode } from "./pem.ts";
import { sansFromExtensions } from "./san.ts";
import { normalizeSerial } from "./serial.ts";
import type { SanSpec } from "./subject.ts";
import { x509 } from "./x509.ts";

export interface CertificateInfo {
  /** Lowercase hex without leading zeros (e.g. "1a2b"), the same form CRLs and the API use. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Lowercase hex SHA-256 of the DER, no colons (openssl prints it uppercase with colons). */
  fingerprintSHA256: string;
  /** RFC 4514 escaping and names, in encoding order (as OpenSSL prints), e.g. "C=BR,O=Acme,CN=x". */
  subject: string;
  issuer: string;
  sans: SanSpec;
  /** Key usage names set, e.g. "digitalSignature". */
  keyUsages: string[];
  /** "serverAuth", "clientAuth", ... or the OID for purposes without a name here. */
  extKeyUsages: string[];
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo, as keys.spkiSha256. */
  spkiSha256: string;
  isCA: boolean;
}

function parse(pem: string): { der: Buffer; cert: x509.X509Certificate } {
  const { der } = pemDecode(pem, ["CERTIFICATE"], CERTIFICATE_BUNDLE_LIMITS);
  try {
    return { der, cert: new x509.X509Certificate(der) };
  } catch {
    throw new Error("invalid certificate: cannot parse the DER");
  }
}

// Each certificate is read several times within seconds (issuance check, the reconciles after
// its Secret and status writes, every chain check against the CA): parse it once.
const inspected = new Lru<string, Readonly<CertificateInfo>>(512);
const issuedBy = new Lru<string, boolean>(512);

/** The facts of one PEM certificate; the result is shared between callers and frozen. */
export function inspectCertificate(pem: string): Readonly<CertificateInfo> {
  return inspected.getOrSet(pem, () => {
    const info = readCertificate(pem);
    Object.freeze(info.keyUsages);
    Object.freeze(info.extKeyUsages);
    return Object.freeze(info);
  });
}

function readCertificate(pem: string): CertificateInfo {
  const { der, cert } = parse(pem);
  const names = certificateNames(der);
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  return {
    serialNumber: normalizeSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprintSHA256: createHash("sha256").update(der).digest("hex"),
    subject: formatDn(names.subject),
    issuer: formatDn(names.issuer),
    sans: sansFromExtensions(cert.extensions),
    keyUsages: keyUsage ? keyUsageNames(keyUsage.usages) : [],
    extKeyUsages: eku ? extKeyUsageNames(Array.from(eku.usages, String)) : [],
    spkiSha256: createHash("sha256").update(Buffer.from(cert.publicKey.rawData)).digest("hex"),
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
  };
}

/**
 * The certificates of a PEM bundle, in order, each as its own PEM. Other blocks are skipped.
 * Throws PemError for a bundle over the caps (CERTIFICATE_BUNDLE_LIMITS) or badly framed.
 */
export function splitPemBundle(pem: string): string[] {
  return pemBlocks(pem, CERTIFICATE_BUNDLE_LIMITS)
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => pemEncode(b.der, "CERTIFICATE"));
}

/** The first certificate of a bundle, or undefined for anything unreadable; never throws. */
export function leafOfBundle(pem: string | undefined): string | undefined {
  try {
    return splitPemBundle(pem ?? "")[0];
  } catch {
    return undefined;
  }
}

/** True when the certificate carries the public half of the private key. */
export function certificateMatchesKey(certPem: string, privateKeyPem: string): boolean {
  return spkiSha256(certPem) === spkiSha256(privateKeyPem);
}

/**
 * True when certPem names issuerPem's subject as its issuer and its signature verifies with
 * issuerPem's key. Only the signature link: validity dates and chain policy are not checked.
 */
export async function verifyIssuedBy(certPem: string, issuerPem: string): Promise<boolean> {
  const key = `${issuerPem}\n${certPem}`;
  const known = issuedBy.get(key);
  if (known !== undefined) return known;
  const verdict = await checkIssuedBy(certPem, issuerPem);
  issuedBy.set(key, verdict);
  return verdict;
}

async function checkIssuedBy(certPem: string, issuerPem: string): Promise<boolean> {
  try {
    const cert = parse(certPem);
    const issuer = parse(issuerPem);
    const issuerName = formatDn(certificateNames(cert.der).issuer);
    if (issuerName !== formatDn(certificateNames(issuer.der).subject)) return false;
    return await cert.cert.verify({ publicKey: issuer.cert.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
