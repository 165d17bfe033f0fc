// Subject attribute types we know: OID, name, the ASN.1 string type the value is encoded in,
// and its upper bound. One table for the encoder, the name checks and the CRD rules, so what
// is validated is what is written. Sources: RFC 5280 appendix A, X.520, RFC 4519, PKCS #9,
// RFC 3739 and the CA/Browser Forum EV Guidelines (jurisdiction*).

/** The string types certwright writes. Everything not listed below is a UTF8String (RFC 5280 4.1.2.4). */
export type StringType = "utf8String" | "printableString" | "ia5String";

/** SubjectSpec fields that map to one attribute type each. */
export type SubjectField =
  | "countries"
  | "provinces"
  | "localities"
  | "streetAddresses"
  | "postalCodes"
  | "organizations"
  | "organizationalUnits"
  | "commonName"
  | "serialNumber"
  | "organizationIdentifier"
  | "uid";

export interface AttributeType {
  oid: string;
  name: string;
  type: StringType;
  /** Upper bound in characters. */
  max: number;
  /** The value is an ISO 3166-1 alpha-2 code. */
  country?: true;
  /** The SubjectSpec field that carries it; such OIDs are refused in otherAttributes. */
  field?: SubjectField;
}

/** Bound for attributes the standards leave unbounded: the CRD's otherAttributes limit. */
export const DEFAULT_MAX = 256;

/** Named fields first, in the order they are encoded. */
export const ATTRIBUTE_TYPES: readonly AttributeType[] = [
  { oid: "2.5.4.6", name: "countryName", type: "printableString", max: 2, country: true, field: "countries" },
  { oid: "2.5.4.8", name: "stateOrProvinceName", type: "utf8String", max: 128, field: "provinces" },
  { oid: "2.5.4.7", name: "localityName", type: "utf8String", max: 128, field: "localities" },
  { oid: "2.5.4.9", name: "streetAddress", type: "utf8String", max: 128, field: "streetAddresses" },
  { oid: "2.5.4.17", name: "postalCode", type: "utf8String", max: 40, field: "postalCodes" },
  { oid: "2.5.4.10", name: "organizationName", type: "utf8String", max: 64, field: "organizations" },
  { oid: "2.5.4.11", name: "organizationalUnitName", type: "utf8String", max: 64, field: "organizationalUnits" },
  { oid: "2.5.4.3", name: "commonName", type: "utf8String", max: 64, field: "commonName" },
  { oid: "2.5.4.5", name: "serialNumber", type: "printableString", max: 64, field: "serialNumber" },
  { oid: "2.5.4.97", name: "organizationIdentifier", type: "utf8String", max: 64, field: "organizationIdentifier" },
  { oid: "0.9.2342.19200300.100.1.1", name: "uid", type: "utf8String", max: 256, field: "uid" },
  // Only through otherAttributes:
  { oid: "1.3.6.1.4.1.311.60.2.1.3", name: "jurisdictionCountryName", type: "printableString", max: 2, country: true },
  { oid: "1.3.6.1.4.1.311.60.2.1.2", name: "jurisdictionStateOrProvinceName", type: "utf8String", max: 128 },
  { oid: "1.3.6.1.4.1.311.60.2.1.1", name: "jurisdictionLocalityName", type: "utf8String", max: 128 },
  { oid: "2.5.4.15", name: "businessCategory", type: "utf8String", max: 128 },
  { oid: "2.5.4.4", name: "surname", type: "utf8String", max: DEFAULT_MAX },
  { oid: "2.5.4.42", name: "givenName", type: "utf8String", max: DEFAULT_MAX },
  { oid: "2.5.4.43", name: "initials", type: "utf8String", max: DEFAULT_MAX },
  { oid: "2.5.4.44", name: "generationQualifier", type: "utf8String", max: DEFAULT_MAX },
  { oid: "2.5.4.12", name: "title", type: "utf8String", max: 64 },
  { oid: "2.5.4.41", name: "name", type: "utf8String", max: DEFAULT_MAX },
  { oid: "2.5.4.65", name: "pseudonym", type: "utf8String", max: 128 },
  { oid: "2.5.4.46", name: "dnQualifier", type: "printableString", max: DEFAULT_MAX },
  { oid: "2.5.4.20", name: "telephoneNumber", type: "printableString", max: 32 },
  { oid: "1.2.840.113549.1.9.1", name: "emailAddress", type: "ia5String", max: 255 },
  { oid: "0.9.2342.19200300.100.1.25", name: "domainComponent", type: "ia5String", max: 63 },
  { oid: "1.3.6.1.5.5.7.9.2", name: "placeOfBirth", type: "utf8String", max: DEFAULT_MAX },
  { oid: "1.3.6.1.5.5.7.9.4", name: "countryOfCitizenship", type: "printableString", max: 2, country: true },
  { oid: "1.3.6.1.5.5.7.9.5", name: "countryOfResidence", type: "printableString", max: 2, country: true },
];

/** Known attributes whose value is not a character string: certwright cannot write them from text. */
export const NON_STRING_ATTRIBUTES: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.9.1": "dateOfBirth (a GeneralizedTime)",
  "2.5.4.99": "countryCode3n (a NumericString)",
  "1.3.6.1.5.5.7.9.3": "gender (a one-letter PrintableString)",
};

const BY_OID = new Map(ATTRIBUTE_TYPES.map((a) => [a.oid, a]));

export function attributeType(oid: string): AttributeType | undefined {
  return BY_OID.get(oid);
}

export function stringTypeOf(oid: string): StringType {
  return BY_OID.get(oid)?.type ?? "utf8String";
}

export function maxLengthOf(oid: string): number {
  return BY_OID.get(oid)?.max ?? DEFAULT_MAX;
}

/**
 * Registration arcs: every proper prefix (of three or more arcs) of a known attribute OID,
 * such as 2.5.4 or 1.3.6.1.4.1.311.60.2.1. They name a branch of the OID tree, not an attribute.
 */
export const REGISTRATION_ARCS: readonly string[] = [
  ...new Set(
    [...ATTRIBUTE_TYPES.map((a) => a.oid), ...Object.keys(NON_STRING_ATTRIBUTES)].flatMap((oid) => {
      const arcs = oid.split(".");
      return arcs.slice(3).map((_, i) => arcs.slice(0, i + 3).join("."));
    }),
  ),
].sort();

/** 1.3.6.1.4.1.N is a private enterprise's root arc; its attributes sit below it. */
export const ENTERPRISE_ARC = /^1\.3\.6\.1\.4\.1\.[0-9]+$/;

/**
 * A well-formed OID: first arc 0-2, second arc 0-39 under 0 and 1, at least three arcs, no
 * leading zeros, every arc below 10^9 (larger arcs are not written faithfully by the ASN.1
 * library). The same pattern is used by the CRD.
 */
export const OID_PATTERN = /^([01]\.([0-9]|[1-3][0-9])|2\.(0|[1-9][0-9]{0,8}))(\.(0|[1-9][0-9]{0,8}))+$/;
