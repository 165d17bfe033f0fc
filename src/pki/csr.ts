// PKCS#10 certificate signing requests: building ours, and checking ones handed to us.
import { createPublicKey } from "node:crypto";
import { csrSubjectName, csrSubjectTyped } from "./dn.ts";
import { describeKeyObject } from "./keys.ts";
import type { KeyDescription } from "./keys.ts";
import { CSR_LIMITS, PemError, pemDecode, pemEncode } from "./pem.ts";
import { sanExtension, sansFromExtensions, unmodelledSanTypes } from "./san.ts";
import { importKeyPair } from "./signing-key.ts";
import { isEmptySubject, subjectFromAttributes, subjectToName } from "./subject.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";
import { x509 } from "./x509.ts";

/** A CSR that cannot be used: unparseable, wrongly signed, or with an unsupported key. */
export class CsrError extends Error {
  override name = "CsrError";
}

export interface BuildCsrOptions {
  privateKeyPem: string;
  subject: SubjectSpec;
  sans: SanSpec;
}

/** Signs a CSR with the key (SHA-256 for RSA and P-256, SHA-384 for P-384, Ed25519 as is). */
export async function buildCsr(opts: BuildCsrOptions): Promise<string> {
  const emptySubject = isEmptySubject(opts.subject);
  const san = sanExtension(opts.sans, emptySubject);
  if (emptySubject && !san) throw new Error("a CSR needs a subject or at least one subject alternative name");
  const keys = await importKeyPair(opts.privateKeyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectToName(opts.subject),
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.signingAlgorithm,
    extensions: san ? [san] : [],
  });
  return pemEncode(csr.rawData, "CERTIFICATE REQUEST");
}

export interface CsrInfo {
  /** As written in the CSR; attributes with OIDs not modelled in SubjectSpec are in otherAttributes. */
  subject: SubjectSpec;
  sans: SanSpec;
  publicKeyPem: string;
  key: KeyDescription;
}

/** Parses a CSR and checks its self-signature; throws CsrError when it is not usable. */
export async function parseAndVerifyCsr(pem: string): Promise<CsrInfo> {
  const der = csrDer(pem);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch {
    throw new CsrError("CSR cannot be parsed");
  }
  if (!(await verifySignature(csr))) throw new CsrError("CSR signature is invalid");
  return describeCsr(der, csr);
}

/**
 * The DER of a PEM CSR, within CSR_LIMITS (checked before anything is read). Throws CsrError
 * with the reason for a CSR over the caps or badly framed.
 */
export function csrDer(pem: string): Buffer {
  try {
    return pemDecode(pem, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], CSR_LIMITS).der;
  } catch (e) {
    // Size and framing reasons help the user; a wrong label is just "not a CSR".
    if (e instanceof PemError && e.code !== "NotPem" && e.code !== "UnexpectedLabel") throw new CsrError(e.message);
    throw new CsrError("not a PEM CSR (expected a CERTIFICATE REQUEST block)");
  }
}

async function verifySignature(csr: x509.Pkcs10CertificateRequest): Promise<boolean> {
  try {
    return await csr.verify();
  } catch {
    return false; // e.g. a signature algorithm WebCrypto cannot check
  }
}

function describeCsr(der: Buffer, csr: x509.Pkcs10CertificateRequest): CsrInfo {
  try {
    const publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: "der", type: "spki" });
    judgeable(der, csr);
    return {
      subject: subjectFromAttributes(csrSubjectName(der).flat()),
      sans: sansFromExtensions(csr.extensions),
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      key: describeKeyObject(publicKey),
    };
  } catch (err) {
    if (err instanceof CsrError) throw err;
    throw new CsrError(`CSR cannot be used: ${err instanceof Error ? err.message : "unreadable content"}`);
  }
}

/**
 * The policy can only judge names SubjectSpec and SanSpec express: a CSR asking for others
 * (a directoryName or otherName SAN, a subject attribute that is not a string) is refused
 * rather than signed without them or, by an authority that copies the CSR, with them unjudged.
 */
function judgeable(der: Buffer, csr: x509.Pkcs10CertificateRequest): void {
  const unmodelled = unmodelledSanTypes(csr.extensions);
  if (unmodelled.length > 0) {
    throw new CsrError(`the CSR asks for subject alternative names of type ${unmodelled.join(", ")}; only DNS, IP, URI and email names can be judged`);
  }
  const notText = csrSubjectTyped(der).flat().find((a) => a.stringType.startsWith("tag "));
  if (notText) throw new CsrError(`subject attribute ${notText.oid} in the CSR is not a character string`);
}
