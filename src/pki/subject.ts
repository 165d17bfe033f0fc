// Subject names: the spec shape the API uses, how it is encoded, and a canonical string so the
// controller can tell whether an issued certificate's subject matches what was asked for.
import { attributeType, stringTypeOf, type StringType } from "./attribute-types.ts";
import { certificateNames, formatDn, parseNameDer, parseNameDerTyped } from "./dn.ts";
import { checkNameEncoding } from "./name-encoding.ts";
import { orderedFieldAttributes } from "./subject-order.ts";
import { pemDecode } from "./pem.ts";
import type { NameAttribute } from "./dn.ts";
import { x509 } from "./x509.ts";

export interface SubjectSpec {
  commonName?: string;
  countries?: string[];
  organizations?: string[];
  organizationalUnits?: string[];
  localities?: string[];
  provinces?: string[];
  streetAddresses?: string[];
  postalCodes?: string[];
  serialNumber?: string;
  organizationIdentifier?: string;
  uid?: string;
  otherAttributes?: { oid: string; value: string }[];
}

export interface SanSpec {
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
}

type ListField = "countries" | "provinces" | "localities" | "streetAddresses" | "postalCodes" | "organizations" | "organizationalUnits";
type SingleField = "commonName" | "serialNumber" | "organizationIdentifier" | "uid";

function compareOids(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The subject's attributes in encoding order (named fields, then otherAttributes sorted by OID), without validation. */
export function orderedAttributes(s: SubjectSpec): NameAttribute[] {
  const named = orderedFieldAttributes(s).map(({ oid, value }) => ({ oid, value }));
  const others = [...(s.otherAttributes ?? [])].sort((a, b) => compareOids(a.oid, b.oid));
  return [...named, ...others.map((o) => ({ oid: o.oid, value: o.value }))];
}

/** The bytes a value is written as: ASCII string types were checked to be ASCII, so latin1 is exact. */
export function encodedValueBytes(type: StringType, value: string): Buffer {
  return Buffer.from(value, type === "utf8String" ? "utf8" : "latin1");
}

/**
 * Builds the x509 Name for a subject: one attribute per RDN, in the order above, each value in the
 * string type of its attribute (attribute-types.ts). It is built from structured values, never from
 * a DN string, so commas, pluses and quotes need no escaping. A value that cannot be written
 * exactly throws (checkNameEncoding's message), and the result is read back to prove it is exact.
 */
export function subjectToName(s: SubjectSpec): x509.Name {
  const refusal = checkNameEncoding(s, {});
  if (refusal) throw new Error(refusal.message);
  const attributes = orderedAttributes(s);
  const name = new x509.Name(attributes.map((a) => ({ [a.oid]: [{ [stringTypeOf(a.oid)]: a.value }] })));
  const written = parseNameDerTyped(name.toArrayBuffer());
  const exact =
    written.length === attributes.length &&
    attributes.every((a, i) => {
      const w = written[i];
      const type = stringTypeOf(a.oid);
      return w?.length === 1 && w[0]!.oid === a.oid && w[0]!.stringType === type && w[0]!.bytes.equals(encodedValueBytes(type, a.value));
    });
  if (!exact) throw new Error("the subject could not be encoded exactly; refusing to write an altered name");
  return name;
}

/** True when the subject has no attributes at all (then SANs must be critical). */
export function isEmptySubject(s: SubjectSpec): boolean {
  return orderedAttributes(s).length === 0;
}

/** Maps attributes read from a Name back to the spec shape; unknown OIDs go to otherAttributes. */
export function subjectFromAttributes(attributes: readonly NameAttribute[]): SubjectSpec {
  const s: SubjectSpec = {};
  const others: { oid: string; value: string }[] = [];
  for (const a of attributes) {
    const field = attributeType(a.oid)?.field;
    if (field && isListField(field)) (s[field] ??= []).push(a.value);
    else if (field && s[field] === undefined) s[field] = a.value;
    else others.push({ oid: a.oid, value: a.value }); // unknown, or a repeated single-valued attribute
  }
  if (others.length > 0) s.otherAttributes = others;
  return s;
}

const LIST_FIELDS = new Set<string>(["countries", "provinces", "localities", "streetAddresses", "postalCodes", "organizations", "organizationalUnits"]);

function isListField(field: ListField | SingleField): field is ListField {
  return LIST_FIELDS.has(field);
}

export function subjectFromNameDer(der: ArrayBuffer | Uint8Array): SubjectSpec {
  return subjectFromAttributes(parseNameDer(der).flat());
}

/**
 * Canonical string of a subject: attributes in the encoding order above, RFC 4514 escaping.
 * Equal strings mean equal subjects, whatever order a CA wrote the attributes in.
 */
export function describeSubject(s: SubjectSpec): string {
  return formatDn(orderedAttributes(s).map((a) => [a]));
}

/** The canonical subject string of a certificate, comparable with describeSubject(spec). */
export function subjectOfCertificate(pem: string): string {
  const { subject } = certificateNames(pemDecode(pem, ["CERTIFICATE"]).der);
  return describeSubject(subjectFromAttributes(subject.flat()));
}
