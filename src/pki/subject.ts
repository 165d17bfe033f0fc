// Subject names: the spec shape the API uses, how it is encoded, and a canonical string so the
// controller can tell whether an issued certificate's subject matches what was asked for.
import { certificateNames, formatDn, parseNameDer } from "./dn.ts";
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

type StringType = "utf8String" | "printableString" | "ia5String";
type ListField = "countries" | "provinces" | "localities" | "streetAddresses" | "postalCodes" | "organizations" | "organizationalUnits";
type SingleField = "commonName" | "serialNumber" | "organizationIdentifier" | "uid";

interface AttributeRule {
  oid: string;
  field: ListField | SingleField;
  type: StringType;
}

// The encoding order (C, ST, L, street, postalCode, O, OU, CN, serialNumber, organizationIdentifier,
// UID), then otherAttributes sorted by OID. C and serialNumber are PrintableString per RFC 5280;
// everything else is UTF8String, which RFC 5280 requires for new DirectoryString values.
const RULES: readonly AttributeRule[] = [
  { oid: "2.5.4.6", field: "countries", type: "printableString" },
  { oid: "2.5.4.8", field: "provinces", type: "utf8String" },
  { oid: "2.5.4.7", field: "localities", type: "utf8String" },
  { oid: "2.5.4.9", field: "streetAddresses", type: "utf8String" },
  { oid: "2.5.4.17", field: "postalCodes", type: "utf8String" },
  { oid: "2.5.4.10", field: "organizations", type: "utf8String" },
  { oid: "2.5.4.11", field: "organizationalUnits", type: "utf8String" },
  { oid: "2.5.4.3", field: "commonName", type: "utf8String" },
  { oid: "2.5.4.5", field: "serialNumber", type: "printableString" },
  { oid: "2.5.4.97", field: "organizationIdentifier", type: "utf8String" },
  { oid: "0.9.2342.19200300.100.1.1", field: "uid", type: "utf8String" },
];

// emailAddress and domainComponent are IA5String by definition.
const IA5_OIDS = new Set(["1.2.840.113549.1.9.1", "0.9.2342.19200300.100.1.25"]);
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

function fieldValues(s: SubjectSpec, field: ListField | SingleField): string[] {
  const v = s[field];
  if (v === undefined || v === "") return [];
  return typeof v === "string" ? [v] : v;
}

function compareOids(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The subject's attributes in encoding order, without validation. */
export function orderedAttributes(s: SubjectSpec): NameAttribute[] {
  const named = RULES.flatMap((r) => fieldValues(s, r.field).map((value) => ({ oid: r.oid, value })));
  const others = [...(s.otherAttributes ?? [])].sort((a, b) => compareOids(a.oid, b.oid));
  return [...named, ...others.map((o) => ({ oid: o.oid, value: o.value }))];
}

function stringTypeFor(oid: string): StringType {
  return RULES.find((r) => r.oid === oid)?.type ?? (IA5_OIDS.has(oid) ? "ia5String" : "utf8String");
}

function validateAttribute(a: NameAttribute, type: StringType): void {
  if (!OID.test(a.oid)) throw new Error(`subject attribute OID "${a.oid}" is not a dotted OID`);
  if (a.value === "") throw new Error(`subject attribute ${a.oid} has an empty value`);
  if (a.oid === "2.5.4.6" && !/^[A-Za-z]{2}$/.test(a.value)) throw new Error(`country "${a.value}" must be a two-letter ISO 3166 code`);
  if (a.oid === "2.5.4.3" && [...a.value].length > 64) throw new Error("commonName is longer than 64 characters (RFC 5280 upper bound)");
  if (type === "printableString" && !PRINTABLE.test(a.value)) throw new Error(`subject attribute ${a.oid} value "${a.value}" has characters not allowed in a PrintableString`);
  // eslint-disable-next-line no-control-regex
  if (type === "ia5String" && !/^[\x00-\x7f]+$/.test(a.value)) throw new Error(`subject attribute ${a.oid} must be ASCII`);
}

/**
 * Builds the x509 Name for a subject: one attribute per RDN, in the order above. It is built from
 * structured values, never from a DN string, so commas, pluses and quotes need no escaping here.
 */
export function subjectToName(s: SubjectSpec): x509.Name {
  const rdns = orderedAttributes(s).map((a) => {
    const type = stringTypeFor(a.oid);
    validateAttribute(a, type);
    return { [a.oid]: [{ [type]: a.value }] };
  });
  return new x509.Name(rdns);
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
    const rule = RULES.find((r) => r.oid === a.oid);
    if (rule && isListField(rule.field)) (s[rule.field] ??= []).push(a.value);
    else if (rule && s[rule.field as SingleField] === undefined) s[rule.field as SingleField] = a.value;
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
