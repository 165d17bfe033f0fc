// OCSP (RFC 6960): parse a request, and build a signed BasicOCSPResponse with good / revoked /
// unknown answers. Requests come from the network, so everything is size-capped and any
// malformed input turns into OcspRequestError (answered as malformedRequest), never a crash.
import { createHash, createPrivateKey, sign } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { REVOCATION_REASON_CODES, type RevocationReason } from "./crl.ts";
import { describeKeyObject } from "./keys.ts";
import { pemBlocks } from "./pem.ts";
import { normalizeSerial } from "./serial.ts";

/** A request bigger than this is refused unread (RFC 6960 requests are a few hundred bytes). */
export const MAX_OCSP_REQUEST_BYTES = 8 * 1024;
/** CertIDs answered in one request; more is refused. */
export const MAX_OCSP_CERT_IDS = 16;
/** RFC 8954: a nonce is 1 to 32 octets; its extension value (an OCTET STRING around it) a few more. */
const MAX_NONCE_EXTENSION_BYTES = 40;

export const OID = {
  basicResponse: "1.3.6.1.5.5.7.48.1.1",
  nonce: "1.3.6.1.5.5.7.48.1.2",
  noCheck: "1.3.6.1.5.5.7.48.1.5",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
} as const;

const HASHES: Readonly<Record<string, string>> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

export class OcspRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OcspRequestError";
  }
}

export interface OcspCertId {
  /** Hash algorithm OID of the two hashes below. */
  hashAlgorithm: string;
  issuerNameHash: string;
  issuerKeyHash: string;
  /** Normal form (lowercase hex, no leading zeros). */
  serialNumber: string;
  /** The CertID exactly as received: echoed in the answer so the client matches it. */
  der: Uint8Array;
}

export interface OcspRequest {
  certIds: OcspCertId[];
  /** The nonce extension's value (DER), echoed back unchanged. */
  nonce?: Uint8Array;
}

const hex = (b: ArrayBuffer | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

export function parseOcspRequest(der: Uint8Array): OcspRequest {
  try {
    return parseRequest(der);
  } catch (e) {
    // pkijs and asn1js throw plain Errors on some malformed structures: all of them are the client's fault.
    if (e instanceof OcspRequestError) throw e;
    throw new OcspRequestError(`malformed OCSP request: ${(e as Error).message}`);
  }
}

function parseRequest(der: Uint8Array): OcspRequest {
  if (der.byteLength === 0) throw new OcspRequestError("empty OCSP request");
  if (der.byteLength > MAX_OCSP_REQUEST_BYTES) throw new OcspRequestError(`OCSP request larger than ${MAX_OCSP_REQUEST_BYTES} bytes`);
  const asn = asn1js.fromBER(Uint8Array.from(der));
  if (asn.offset === -1 || asn.offset !== der.byteLength) throw new OcspRequestError("OCSP request is not one DER value");
  let req: pkijs.OCSPRequest;
  try {
    req = new pkijs.OCSPRequest({ schema: asn.result });
  } catch {
    throw new OcspRequestError("not an OCSPRequest");
  }
  const list = req.tbsRequest.requestList;
  if (list.length === 0) throw new OcspRequestError("OCSP request names no certificate");
  if (list.length > MAX_OCSP_CERT_IDS) throw new OcspRequestError(`OCSP request names more than ${MAX_OCSP_CERT_IDS} certificates`);
  const certIds = list.map((r): OcspCertId => {
    const id = r.reqCert;
    const serial = hex(id.serialNumber.valueBlock.valueHexView);
    if (serial.length === 0 || serial.length > 42) throw new OcspRequestError("CertID serial number out of range");
    return {
      hashAlgorithm: id.hashAlgorithm.algorithmId,
      issuerNameHash: hex(octets(id.issuerNameHash)),
      issuerKeyHash: hex(octets(id.issuerKeyHash)),
      serialNumber: normalizeSerial(serial),
      der: new Uint8Array(id.toSchema().toBER(false)),
    };
  });
  const nonceExt = req.tbsRequest.requestExtensions?.find((e) => e.extnID === OID.nonce);
  let nonce: Uint8Array | undefined;
  if (nonceExt) {
    const v = octets(nonceExt.extnValue);
    if (v.byteLength === 0 || v.byteLength > MAX_NONCE_EXTENSION_BYTES) throw new OcspRequestError("OCSP nonce must be 1 to 32 octets");
    nonce = Uint8Array.from(v);
  }
  return { certIds, nonce };
}

/**
 * The contents of an OCTET STRING as received. asn1js decodes contents that happen to look like
 * DER into nested values (and then leaves valueHexView empty), so read them from the raw bytes.
 */
function octets(os: asn1js.OctetString): Uint8Array {
  const raw = os.valueBeforeDecodeView;
  if (raw.byteLength === 0) return Uint8Array.from(os.valueBlock.valueHexView);
  return Uint8Array.from(raw.subarray(os.idBlock.blockLength + os.lenBlock.blockLength));
}

/** The issuer's name and key hashes with `algorithm` (an OID), as a CertID of its leaves carries them. */
export function issuerHashes(issuerPem: string, algorithm: string): { nameHash: string; keyHash: string } | undefined {
  const hash = HASHES[algorithm];
  if (!hash) return undefined;
  const { name, key } = issuerParts(issuerPem);
  return { nameHash: createHash(hash).update(name).digest("hex"), keyHash: createHash(hash).update(key).digest("hex") };
}

/** DER of the subject Name and the subjectPublicKey BIT STRING contents (RFC 6960 4.1.1). */
function issuerParts(certPem: string): { name: Uint8Array; key: Uint8Array } {
  const cert = pkijsCertificate(certPem);
  return { name: new Uint8Array(cert.subject.toSchema().toBER(false)), key: Uint8Array.from(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView) };
}

function pkijsCertificate(pem: string): pkijs.Certificate {
  const der = pemBlocks(pem).find((b) => b.label === "CERTIFICATE")?.der;
  if (!der) throw new Error("no certificate in PEM");
  return pkijs.Certificate.fromBER(der);
}

export type OcspCertStatus = { status: "good" } | { status: "unknown" } | { status: "revoked"; revokedAt: Date; reason: RevocationReason };

export interface OcspSingleAnswer {
  certId: OcspCertId;
  status: OcspCertStatus;
}

export interface BuildOcspResponseOptions {
  /** Who signs: the CA itself or a delegated responder certificate it issued (id-kp-OCSPSigning). */
  signer: { certificatePem: string; privateKeyPem: string };
  /** Certificates included in the response (a delegated responder's own certificate). */
  certs?: string[];
  answers: OcspSingleAnswer[];
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate: Date;
  nonce?: Uint8Array;
}

export type OcspErrorStatus = "malformedRequest" | "internalError" | "tryLater" | "unauthorized";
const ERROR_CODES: Record<OcspErrorStatus, number> = { malformedRequest: 1, internalError: 2, tryLater: 3, unauthorized: 6 };

/** An OCSPResponse with only an error status (no responseBytes), as RFC 6960 4.2.1 allows. */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return new Uint8Array(new asn1js.Sequence({ value: [new asn1js.Enumerated({ value: ERROR_CODES[status] })] }).toBER(false));
}

const ctx = (tag: number, value: asn1js.AsnType[]) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: tag }, value });
const implicitNull = (tag: number) => new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: tag } });
/** GeneralizedTime with whole seconds and Z, as RFC 5280 4.1.2.5.2 asks. */
const time = (d: Date) => new asn1js.GeneralizedTime({ valueDate: new Date(Math.floor(d.getTime() / 1000) * 1000) });

function certStatus(s: OcspCertStatus): asn1js.AsnType {
  if (s.status === "good") return implicitNull(0);
  if (s.status === "unknown") return implicitNull(2);
  const revokedInfo: asn1js.AsnType[] = [time(s.revokedAt)];
  // Unspecified is left out, as in the CRL (RFC 5280 5.3.1).
  if (s.reason !== "unspecified") revokedInfo.push(ctx(0, [new asn1js.Enumerated({ value: REVOCATION_REASON_CODES[s.reason] })]));
  return ctx(1, revokedInfo);
}

/** Signature algorithm per key, as the CA signs certificates (signing-key.ts). */
function signatureAlgorithm(privateKeyPem: string): { oid: string; hash: string | null; nullParams: boolean } {
  const key = describeKeyObject(createPrivateKey(privateKeyPem));
  if (key.algorithm === "RSA") return { oid: "1.2.840.113549.1.1.11", hash: "sha256", nullParams: true };
  if (key.algorithm === "Ed25519") return { oid: "1.3.101.112", hash: null, nullParams: false };
  if (key.size === 384) return { oid: "1.2.840.10045.4.3.3", hash: "sha384", nullParams: false };
  if (key.size === 521) return { oid: "1.2.840.10045.4.3.4", hash: "sha512", nullParams: false };
  return { oid: "1.2.840.10045.4.3.2", hash: "sha256", nullParams: false };
}

export function buildOcspResponse(o: BuildOcspResponseOptions): Uint8Array {
  if (o.nextUpdate.getTime() <= o.thisUpdate.getTime()) throw new Error("nextUpdate must be after thisUpdate");
  const signerKey = issuerParts(o.signer.certificatePem).key;
  // ResponderID byKey [2]: SHA-1 of the responder's public key (RFC 6960 4.2.1).
  const responderId = ctx(2, [new asn1js.OctetString({ valueHex: createHash("sha1").update(signerKey).digest() })]);
  const responses = o.answers.map(
    (a) =>
      new asn1js.Sequence({
        value: [asn1js.fromBER(Uint8Array.from(a.certId.der)).result, certStatus(a.status), time(o.thisUpdate), ctx(0, [time(o.nextUpdate)])],
      }),
  );
  const tbsParts: asn1js.AsnType[] = [responderId, time(o.producedAt), new asn1js.Sequence({ value: responses })];
  if (o.nonce) {
    const ext = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.nonce }), new asn1js.OctetString({ valueHex: Uint8Array.from(o.nonce) })] });
    tbsParts.push(ctx(1, [new asn1js.Sequence({ value: [ext] })]));
  }
  const tbs = new Uint8Array(new asn1js.Sequence({ value: tbsParts }).toBER(false));
  const alg = signatureAlgorithm(o.signer.privateKeyPem);
  const signature = sign(alg.hash, tbs, createPrivateKey(o.signer.privateKeyPem));
  const algId = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: alg.oid }), ...(alg.nullParams ? [new asn1js.Null()] : [])] });
  const basicParts: asn1js.AsnType[] = [asn1js.fromBER(tbs).result, algId, new asn1js.BitString({ valueHex: signature })];
  if (o.certs && o.certs.length > 0) {
    const certs = o.certs.flatMap((pem) => pemBlocks(pem).filter((b) => b.label === "CERTIFICATE")).map((b) => asn1js.fromBER(Uint8Array.from(b.der)).result);
    basicParts.push(ctx(0, [new asn1js.Sequence({ value: certs })]));
  }
  const basic = new asn1js.Sequence({ value: basicParts }).toBER(false);
  const responseBytes = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.basicResponse }), new asn1js.OctetString({ valueHex: basic })] });
  return new Uint8Array(new asn1js.Sequence({ value: [new asn1js.Enumerated({ value: 0 }), ctx(0, [responseBytes])] }).toBER(false));
}
