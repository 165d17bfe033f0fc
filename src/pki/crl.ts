// Certificate revocation lists (RFC 5280 section 5).
import * as asn1js from "asn1js";
import { loadIssuer } from "./issuer.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { CRL_LIMITS, pemDecode, pemEncode } from "./pem.ts";
import { normalizeSerial, serialOctetsHex } from "./serial.ts";
import { x509 } from "./x509.ts";

/** RFC 5280 CRLReason names (removeFromCRL is for delta CRLs only and left out). */
export const REVOCATION_REASONS = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "privilegeWithdrawn",
  "aACompromise",
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** RFC 5280 CRLReason codes (7 is unused; 8, removeFromCRL, only appears in delta CRLs). */
export const REVOCATION_REASON_CODES: Readonly<Record<RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

export function reasonFromCode(code: number | undefined): RevocationReason {
  return REVOCATION_REASONS.find((r) => REVOCATION_REASON_CODES[r] === code) ?? "unspecified";
}

const CRL_NUMBER_OID = "2.5.29.20";
const PEM_LABEL = "X509 CRL"; // OpenSSL's label; @peculiar/x509 would write "CRL"

export interface RevokedCertificate {
  serialNumber: string;
  revocationDate: Date;
  reason: RevocationReason;
}

export interface BuildCrlOptions {
  issuer: IssuerMaterial;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: RevokedCertificate[];
}

/**
 * Signs a v2 CRL with CRL number and authority key identifier. Per RFC 5280 5.3.1 an entry
 * revoked for "unspecified" carries no reasonCode extension (its absence means unspecified).
 */
export async function buildCrl(opts: BuildCrlOptions): Promise<string> {
  if (!Number.isSafeInteger(opts.crlNumber) || opts.crlNumber < 0) throw new Error("crlNumber must be a non-negative integer");
  if (opts.nextUpdate.getTime() <= opts.thisUpdate.getTime()) throw new Error("nextUpdate must be after thisUpdate");
  const issuer = await loadIssuer(opts.issuer);
  const crlNumber = new asn1js.Integer({ value: opts.crlNumber }).toBER(false);
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.certificate.subjectName,
    thisUpdate: opts.thisUpdate,
    nextUpdate: opts.nextUpdate,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.keys.signingAlgorithm,
    extensions: [new x509.Extension(CRL_NUMBER_OID, false, crlNumber), new x509.AuthorityKeyIdentifierExtension(issuer.keyId)],
    entries: opts.revoked.map((r) => {
      const reason = REVOCATION_REASON_CODES[r.reason];
      if (reason === undefined) throw new Error(`unknown revocation reason ${JSON.stringify(r.reason)}`);
      return { serialNumber: serialOctetsHex(r.serialNumber), revocationDate: r.revocationDate, reason };
    }),
  });
  return pemEncode(crl.rawData, PEM_LABEL);
}

export interface CrlInfo {
  /** Undefined when the CRL has no CRL number extension. */
  crlNumber: number | undefined;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** Serials in the lowercase, no-leading-zero form of inspectCertificate. */
  revoked: RevokedCertificate[];
}

/** Reads a CRL PEM ("X509 CRL", or "CRL" as some tools write). Does not verify the signature. */
export function parseCrl(pem: string): CrlInfo {
  const crl = new x509.X509Crl(pemDecode(pem, [PEM_LABEL, "CRL"], CRL_LIMITS).der);
  const ext = crl.getExtension(CRL_NUMBER_OID);
  return {
    crlNumber: ext ? readInteger(ext.value) : undefined,
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    revoked: crl.entries.map((e) => ({
      serialNumber: normalizeSerial(e.serialNumber),
      revocationDate: e.revocationDate,
      reason: reasonFromCode(e.reason),
    })),
  };
}

function readInteger(der: ArrayBuffer): number {
  const parsed = asn1js.fromBER(der);
  if (!(parsed.result instanceof asn1js.Integer)) throw new Error("invalid CRL number extension");
  return Number(parsed.result.toBigInt());
}
