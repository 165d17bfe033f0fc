// After an issuance: does the certificate the authority returned carry what the policy judged?
// Our own CA must write exactly the judged subject (attribute by attribute: OID, string type,
// octets) and exactly the judged SANs; an authority that chooses names itself (ACME) must at
// least include every requested SAN. Anything else is stored nowhere and refused.
import { attributeType, stringTypeOf } from "./attribute-types.ts";
import { certificateSubjectTyped, type TypedNameAttribute } from "./dn.ts";
import { showValue } from "./name-syntax.ts";
import { pemDecode } from "./pem.ts";
import { SAN_KINDS, canonicalSans, sanKey, sansFromExtensions, unmodelledSanTypes, type FullSanSpec, type SanKind } from "./san.ts";
import { encodedValueBytes, orderedAttributes } from "./subject.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";
import { x509 } from "./x509.ts";

/** "exact": our local CA. "requestedNamesPresent": the connector's authority picks names and validity itself. */
export type IssuanceCheckMode = "exact" | "requestedNamesPresent";

export interface JudgedRequest {
  subject: SubjectSpec;
  sans: SanSpec;
  notBefore?: Date;
  notAfter?: Date;
}

/** Condition reason when the issued certificate differs from what was judged. */
export const ISSUED_CERTIFICATE_MISMATCH = "IssuedCertificateMismatch";

/** Human-readable differences between the judged request and the issued certificate; empty when it matches. */
export function issuedDifferences(judged: JudgedRequest, issuedCertificatePem: string, mode: IssuanceCheckMode): string[] {
  let der: Buffer;
  let cert: x509.X509Certificate;
  try {
    der = pemDecode(issuedCertificatePem, ["CERTIFICATE"]).der;
    cert = new x509.X509Certificate(der);
  } catch {
    return ["the issued certificate cannot be parsed"];
  }
  const issuedSans = sansAsWritten(cert);
  if (mode === "requestedNamesPresent") return missingNames(canonicalSans(judged.sans), issuedSans);
  return [
    ...subjectDifferences(judged.subject, der),
    ...exactSanDifferences(canonicalSans(judged.sans), issuedSans),
    ...unmodelledSanTypes(cert.extensions).map((t) => `subjectAltName: unexpected name of type ${t}`),
    ...validityDifferences(judged, cert),
  ];
}

// ---- subject ----

interface Written {
  oid: string;
  type: string;
  bytes: Buffer;
  text: string;
}

const label = (w: Written): string =>
  `${attributeType(w.oid)?.name ?? w.oid}=${showValue(w.text)} (${w.type}${w.bytes.length > 0 ? `, ${w.bytes.length} bytes` : ""})`;
const identity = (w: Written): string => `${w.oid}|${w.type}|${w.bytes.toString("hex")}`;

function subjectDifferences(subject: SubjectSpec, der: Buffer): string[] {
  let rdns: TypedNameAttribute[][];
  try {
    rdns = certificateSubjectTyped(der);
  } catch {
    return ["subject: cannot be read"];
  }
  const out = rdns.flatMap((rdn, i) => (rdn.length > 1 ? [`subject: RDN ${i + 1} holds ${rdn.length} attributes, expected one`] : []));
  const want: Written[] = orderedAttributes(subject).map((a) => {
    const type = stringTypeOf(a.oid);
    return { oid: a.oid, type, bytes: encodedValueBytes(type, a.value), text: a.value };
  });
  const have: Written[] = rdns.flat().map((a) => ({ oid: a.oid, type: a.stringType, bytes: a.bytes, text: a.value }));
  out.push(...multisetDifferences("subject", want, have, identity, label));
  if (out.length === 0 && want.map(identity).join() !== have.map(identity).join()) {
    out.push(`subject: attributes are in another order (${have.map(label).join(", ")})`);
  }
  return out;
}

// ---- subject alternative names ----

function sansAsWritten(cert: x509.X509Certificate): FullSanSpec {
  return sansFromExtensions(cert.extensions);
}

function exactSanDifferences(want: FullSanSpec, have: FullSanSpec): string[] {
  return SAN_KINDS.flatMap((kind) => multisetDifferences(kind, want[kind], have[kind], (v) => v, (v) => showValue(v)));
}

function missingNames(want: FullSanSpec, have: FullSanSpec): string[] {
  return SAN_KINDS.flatMap((kind: SanKind) => {
    const keys = new Set(have[kind].map((v) => sanKey(kind, v)));
    return want[kind].filter((v) => !keys.has(sanKey(kind, v))).map((v) => `${kind}: requested ${showValue(v)} is missing`);
  });
}

// ---- validity ----

function validityDifferences(judged: JudgedRequest, cert: x509.X509Certificate): string[] {
  const out: string[] = [];
  for (const [name, want, have] of [
    ["notBefore", judged.notBefore, cert.notBefore],
    ["notAfter", judged.notAfter, cert.notAfter],
  ] as const) {
    if (want !== undefined && want.getTime() !== have.getTime()) out.push(`${name}: expected ${want.toISOString()}, got ${have.toISOString()}`);
  }
  return out;
}

// ---- helpers ----

/** "missing X" for wanted items not written, "unexpected Y" for written items not wanted (counting repeats). */
function multisetDifferences<T>(what: string, want: readonly T[], have: readonly T[], key: (t: T) => string, show: (t: T) => string): string[] {
  const left = new Map<string, number>();
  for (const t of have) left.set(key(t), (left.get(key(t)) ?? 0) + 1);
  const out: string[] = [];
  for (const t of want) {
    const n = left.get(key(t)) ?? 0;
    if (n === 0) out.push(`${what}: missing ${show(t)}`);
    else left.set(key(t), n - 1);
  }
  const wanted = new Set(want.map(key));
  for (const t of have) {
    const k = key(t);
    const n = left.get(k) ?? 0;
    if (n > 0) {
      out.push(`${what}: unexpected ${wanted.has(k) ? "repeat of " : ""}${show(t)}`);
      left.set(k, n - 1);
    }
  }
  return out;
}
