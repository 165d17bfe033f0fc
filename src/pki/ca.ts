// Issuing: a self-signed CA, and leaf certificates signed by a CA.
import { generatePrivateKey, spkiDer } from "./keys.ts";
import type { KeySpec } from "./keys.ts";
import { extKeyUsageExtension, keyUsageExtension } from "./extensions.ts";
import { loadIssuer } from "./issuer.ts";
import type { IssuerMaterial, LoadedIssuer } from "./issuer.ts";
import { pemEncode } from "./pem.ts";
import { sanExtension } from "./san.ts";
import { randomSerial, serialOctetsHex } from "./serial.ts";
import { importKeyPair } from "./signing-key.ts";
import { isEmptySubject, subjectToName } from "./subject.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";
import type { ExtKeyUsageName, KeyUsageName } from "./usages.ts";
import { x509 } from "./x509.ts";

const DAY_MS = 24 * 3600 * 1000;

export interface CreateCaOptions {
  commonName: string;
  organization?: string;
  /** Default ECDSA P-256: fast to generate and sign with, accepted everywhere TLS 1.2+ is. */
  keySpec?: KeySpec;
  /** Default 3650. */
  validityDays?: number;
  now: Date;
}

export async function createCertificateAuthority(opts: CreateCaOptions): Promise<IssuerMaterial> {
  const validityDays = opts.validityDays ?? 3650;
  if (!(validityDays > 0)) throw new Error("validityDays must be positive");
  const privateKeyPem = await generatePrivateKey(opts.keySpec ?? { algorithm: "ECDSA", size: 256 });
  const keys = await importKeyPair(privateKeyPem);
  const publicKey = new x509.PublicKey(spkiDer(privateKeyPem));
  const ski = await x509.SubjectKeyIdentifierExtension.create(publicKey);
  const name = subjectToName({ commonName: opts.commonName, organizations: opts.organization ? [opts.organization] : [] });
  const notBefore = floorToSecond(opts.now);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + Math.round(validityDays * DAY_MS)),
    publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: keys.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    ],
  });
  return { certificatePem: pemEncode(cert.rawData, "CERTIFICATE"), privateKeyPem };
}

export interface SignCertificateOptions {
  /** The CA's PEMs, or the same already loaded (loadIssuer) when signing many. */
  issuer: IssuerMaterial | LoadedIssuer;
  /** The subject's public key: SPKI PEM (a private key, certificate or CSR PEM also works). */
  publicKeyPem: string;
  subject: SubjectSpec;
  sans: SanSpec;
  keyUsages: KeyUsageName[];
  extKeyUsages: ExtKeyUsageName[];
  /** Must be whole seconds: X.509 times have second precision and the validity is written exactly. */
  notBefore: Date;
  /** Must be whole seconds, after notBefore. */
  notAfter: Date;
  /** Hex; default a random positive 16-octet serial. */
  serialNumber?: string;
  crlDistributionPoints?: string[];
  /** OCSP responder URLs, written as Authority Information Access (id-ad-ocsp). */
  ocspUrls?: string[];
  /** Further extensions, e.g. id-pkix-ocsp-nocheck on a delegated OCSP responder. */
  extraExtensions?: x509.Extension[];
}

/** Signs a leaf (CA:FALSE) certificate and returns its PEM. */
export async function signCertificate(opts: SignCertificateOptions): Promise<string> {
  checkValidity(opts.notBefore, opts.notAfter);
  const emptySubject = isEmptySubject(opts.subject);
  // RFC 5280 4.2.1.6: with an empty subject the identity is in the SANs, which are then critical.
  const san = sanExtension(opts.sans, emptySubject);
  if (emptySubject && !san) throw new Error("a certificate needs a subject or at least one subject alternative name");
  const subject = subjectToName(opts.subject);
  const issuer = "keys" in opts.issuer ? opts.issuer : await loadIssuer(opts.issuer);
  const publicKey = new x509.PublicKey(spkiDer(opts.publicKeyPem));
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (opts.keyUsages.length > 0) extensions.push(keyUsageExtension(opts.keyUsages));
  if (opts.extKeyUsages.length > 0) extensions.push(extKeyUsageExtension(opts.extKeyUsages));
  if (san) extensions.push(san);
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  extensions.push(new x509.AuthorityKeyIdentifierExtension(issuer.keyId));
  if (opts.crlDistributionPoints && opts.crlDistributionPoints.length > 0) {
    extensions.push(new x509.CRLDistributionPointsExtension(opts.crlDistributionPoints));
  }
  if (opts.ocspUrls && opts.ocspUrls.length > 0) extensions.push(new x509.AuthorityInfoAccessExtension({ ocsp: opts.ocspUrls }));
  extensions.push(...(opts.extraExtensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialNumber === undefined ? randomSerial() : serialOctetsHex(opts.serialNumber),
    subject,
    issuer: issuer.certificate.subjectName,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.keys.signingAlgorithm,
    extensions,
  });
  return pemEncode(cert.rawData, "CERTIFICATE");
}

function checkValidity(notBefore: Date, notAfter: Date): void {
  for (const [name, d] of [["notBefore", notBefore], ["notAfter", notAfter]] as const) {
    if (Number.isNaN(d.getTime())) throw new Error(`${name} is not a valid date`);
    if (d.getTime() % 1000 !== 0) throw new Error(`${name} ${d.toISOString()} is not a whole second; align it (X.509 times have second precision)`);
  }
  if (notAfter.getTime() <= notBefore.getTime()) throw new Error("notAfter must be after notBefore");
}

export function floorToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
