// Distinguished Name reading and printing, independent of any one library's string format:
// names are read straight from DER with asn1js and printed with RFC 4514 escaping.
import * as asn1js from "asn1js";

export interface NameAttribute {
  oid: string;
  value: string;
}

/** RFC 4514 short names, plus the ones this project sets; anything else prints as a dotted OID. */
const SHORT_NAMES: Record<string, string> = {
  "2.5.4.6": "C",
  "2.5.4.8": "ST",
  "2.5.4.7": "L",
  "2.5.4.9": "STREET",
  "2.5.4.17": "postalCode",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

export function attributeName(oid: string): string {
  return SHORT_NAMES[oid] ?? oid;
}

/** Reads a DER Name into its RDNs (each a list of attributes, usually one). */
export function parseNameDer(der: ArrayBuffer | Uint8Array): NameAttribute[][] {
  return parseName(decode(der));
}

function decode(der: ArrayBuffer | Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1) throw new Error("invalid DER");
  return parsed.result;
}

function parseName(name: asn1js.AsnType | undefined): NameAttribute[][] {
  return parseRdns(name, parseAttribute);
}

function parseRdns<T>(name: asn1js.AsnType | undefined, attribute: (atv: asn1js.AsnType) => T): T[][] {
  if (!(name instanceof asn1js.Sequence)) throw new Error("invalid DER Name");
  return name.valueBlock.value.map((rdn) => {
    if (!(rdn instanceof asn1js.Set)) throw new Error("invalid DER Name: RDN is not a SET");
    return rdn.valueBlock.value.map(attribute);
  });
}

/** An attribute as written: its ASN.1 type and the exact content octets, not only the text. */
export interface TypedNameAttribute extends NameAttribute {
  /** "utf8String", "printableString", "ia5String", "bmpString", ... or "tag N" for anything else. */
  stringType: string;
  /** Content octets of the value. */
  bytes: Buffer;
}

const UNIVERSAL_STRING_TYPES: Record<number, string> = {
  12: "utf8String",
  18: "numericString",
  19: "printableString",
  20: "teletexString",
  22: "ia5String",
  26: "visibleString",
  28: "universalString",
  30: "bmpString",
};

function parseTypedAttribute(atv: asn1js.AsnType): TypedNameAttribute {
  const plain = parseAttribute(atv);
  const value = (atv as asn1js.Sequence).valueBlock.value[1]!;
  const universal = value.idBlock.tagClass === 1 && !value.idBlock.isConstructed;
  const stringType = (universal ? UNIVERSAL_STRING_TYPES[value.idBlock.tagNumber] : undefined) ?? `tag ${value.idBlock.tagClass}/${value.idBlock.tagNumber}`;
  // Primitive string blocks keep their content octets; anything else has none to compare.
  const bytes = Buffer.from((value.valueBlock as { valueHexView?: Uint8Array }).valueHexView ?? new Uint8Array());
  return { ...plain, stringType, bytes };
}

/** A DER Name with each attribute's string type and octets. */
export function parseNameDerTyped(der: ArrayBuffer | Uint8Array): TypedNameAttribute[][] {
  return parseRdns(decode(der), parseTypedAttribute);
}

/** The subject of a certificate with string types and octets, as written. */
export function certificateSubjectTyped(certDer: ArrayBuffer | Uint8Array): TypedNameAttribute[][] {
  const tbs = sequenceItems(sequenceItems(decode(certDer), "certificate")[0], "tbsCertificate");
  const first = tbs[0];
  const offset = first && first.idBlock.tagClass === 3 && first.idBlock.tagNumber === 0 ? 1 : 0;
  return parseRdns(tbs[offset + 4], parseTypedAttribute);
}

function sequenceItems(block: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(block instanceof asn1js.Sequence)) throw new Error(`invalid DER ${what}`);
  return block.valueBlock.value;
}

/**
 * Issuer and subject of a certificate, read from the DER as written (not re-encoded), so the
 * strings reflect exactly what relying parties see.
 */
export function certificateNames(certDer: ArrayBuffer | Uint8Array): { issuer: NameAttribute[][]; subject: NameAttribute[][] } {
  const tbs = sequenceItems(sequenceItems(decode(certDer), "certificate")[0], "tbsCertificate");
  // version [0] is optional; after it: serialNumber, signature, issuer, validity, subject.
  const first = tbs[0];
  const offset = first && first.idBlock.tagClass === 3 && first.idBlock.tagNumber === 0 ? 1 : 0;
  return { issuer: parseName(tbs[offset + 2]), subject: parseName(tbs[offset + 4]) };
}

/** Subject of a PKCS#10 request: CertificationRequestInfo is version, subject, spki, attributes. */
export function csrSubjectName(csrDer: ArrayBuffer | Uint8Array): NameAttribute[][] {
  const info = sequenceItems(sequenceItems(decode(csrDer), "CSR")[0], "CertificationRequestInfo");
  return parseName(info[1]);
}

/** csrSubjectName with string types and octets. */
export function csrSubjectTyped(csrDer: ArrayBuffer | Uint8Array): TypedNameAttribute[][] {
  const info = sequenceItems(sequenceItems(decode(csrDer), "CSR")[0], "CertificationRequestInfo");
  return parseRdns(info[1], parseTypedAttribute);
}

function parseAttribute(atv: asn1js.AsnType): NameAttribute {
  if (!(atv instanceof asn1js.Sequence)) throw new Error("invalid DER Name: attribute is not a SEQUENCE");
  const [type, value] = atv.valueBlock.value;
  if (!(type instanceof asn1js.ObjectIdentifier) || !value) throw new Error("invalid DER Name: bad attribute");
  return { oid: type.getValue(), value: attributeValueText(value) };
}

function attributeValueText(value: asn1js.AsnType): string {
  if (value instanceof asn1js.BaseStringBlock) return value.getValue();
  // Not a string type: RFC 4514 renders it as '#' and the hex of its BER encoding.
  return `#${Buffer.from(value.toBER(false)).toString("hex")}`;
}

/** Escapes an attribute value per RFC 4514 section 2.4. */
export function escapeDnValue(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (`"+,;<>\\`.includes(c)) out += `\\${c}`;
    else if (c === "\0") out += "\\00";
    else if (i === 0 && (c === " " || c === "#")) out += `\\${c}`;
    else if (i === value.length - 1 && c === " ") out += "\\ ";
    else out += c;
  }
  return out;
}

/**
 * Prints RDNs as "C=BR,O=Acme\, Inc.,CN=x": RFC 4514 names and escaping, but in encoding order
 * (the order OpenSSL prints), not RFC 4514's reversed order. Multi-valued RDNs join with '+'.
 */
export function formatDn(rdns: readonly (readonly NameAttribute[])[]): string {
  return rdns.map((rdn) => rdn.map((a) => `${attributeName(a.oid)}=${escapeDnValue(a.value)}`).join("+")).join(",");
}
