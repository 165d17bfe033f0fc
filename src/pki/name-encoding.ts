// Can every subject attribute and SAN be written exactly, in the ASN.1 type it is encoded in?
// The reconciler asks this before the RA policy runs, for the spec and for an external CSR's
// decoded names alike, and the encoders ask it again before writing, so a value is either
// refused here with a message or written byte for byte (never truncated or transcoded).
import { domainToASCII } from "node:url";
import {
  ENTERPRISE_ARC,
  NON_STRING_ATTRIBUTES,
  OID_PATTERN,
  REGISTRATION_ARCS,
  attributeType,
  maxLengthOf,
  stringTypeOf,
} from "./attribute-types.ts";
import { isCountryCode } from "./iso-3166.ts";
import {
  DNS_NAME_PATTERN,
  EMAIL_PATTERN,
  URI_PATTERN,
  charLength,
  forbiddenCharacter,
  loneSurrogate,
  nonAscii,
  nonPrintable,
  showCharacter,
  showValue,
} from "./name-syntax.ts";
import { canonicalIp } from "./canonical-ip.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";
import { orderedFieldAttributes } from "./subject-order.ts";

/** Condition reasons, one per half of the name. */
export const INVALID_SUBJECT = "InvalidSubject";
export const INVALID_SAN = "InvalidSubjectAlternativeName";
export type NameEncodingReason = typeof INVALID_SUBJECT | typeof INVALID_SAN;

export interface NameEncodingRefusal {
  rule: NameEncodingReason;
  /** Names the field, the value (escaped, truncated) and the rule it breaks. */
  message: string;
  /** The offending field, e.g. "subject.organizations[1]" or "dnsNames[0]". */
  field: string;
}

const SAN_LIMITS = { dnsNames: 253, uris: 2048, emailAddresses: 253 } as const;
const PRINTABLE_SET = "A-Z a-z 0-9 space ' ( ) + , - . / : = ?";

/** The first subject attribute or SAN that cannot be written exactly, or undefined. */
export function checkNameEncoding(subject: SubjectSpec, sans: SanSpec): NameEncodingRefusal | undefined {
  return checkSubject(subject) ?? checkSans(sans);
}

// ---- subject ----

function checkSubject(s: SubjectSpec): NameEncodingRefusal | undefined {
  for (const a of orderedFieldAttributes(s)) {
    const why = attributeValueProblem(a.oid, a.value);
    if (why) return subjectRefusal(a.path, a.value, why);
  }
  for (const [i, o] of (s.otherAttributes ?? []).entries()) {
    const path = `subject.otherAttributes[${i}]`;
    const oidWhy = oidProblem(o.oid);
    if (oidWhy) return { rule: INVALID_SUBJECT, field: `${path}.oid`, message: `${path}.oid ${showValue(o.oid)}: ${oidWhy}` };
    const known = attributeType(o.oid);
    const why = attributeValueProblem(o.oid, o.value);
    if (why) return subjectRefusal(`${path}.value (${known ? `${known.name}, ` : ""}${o.oid})`, o.value, why);
  }
  return undefined;
}

function subjectRefusal(field: string, value: string, why: string): NameEncodingRefusal {
  return { rule: INVALID_SUBJECT, field: field.replace(/ \(.*$/, ""), message: `${field} ${showValue(value)}: ${why}` };
}

/** Why this OID cannot name an attribute in otherAttributes, or undefined. */
export function oidProblem(oid: string): string | undefined {
  if (!OID_PATTERN.test(oid)) {
    return "is not a well-formed attribute OID (dotted decimal, first arc 0-2, second arc 0-39 under 0 and 1, at least three arcs, no leading zeros, each arc below 10^9)";
  }
  if (REGISTRATION_ARCS.includes(oid) || ENTERPRISE_ARC.test(oid)) {
    return "is a registration arc, not an attribute type (for example 2.5.4 is the arc of 2.5.4.3 commonName)";
  }
  const known = attributeType(oid);
  if (known?.field) return `is ${known.name}, which has its own field: set subject.${known.field} (a subject carries one ${known.name} per value of that field)`;
  const nonString = NON_STRING_ATTRIBUTES[oid];
  if (nonString) return `is ${nonString}, not a character string: it cannot be written from text`;
  return undefined;
}

/** Why this value cannot be written as the attribute's string type, or undefined. */
export function attributeValueProblem(oid: string, value: string): string | undefined {
  const type = stringTypeOf(oid);
  if (value === "") return "must not be empty";
  const common = characterProblem(value, type === "utf8String" ? "a DirectoryString (UTF8String)" : type === "printableString" ? "a PrintableString" : "an IA5String");
  if (common) return common;
  if (attributeType(oid)?.country) {
    if (isCountryCode(value)) return undefined;
    const upper = value.toUpperCase();
    const hint = isCountryCode(upper) ? ` (write "${upper}")` : "";
    return `must be an upper-case ISO 3166-1 alpha-2 country code such as BR${hint}`;
  }
  const max = maxLengthOf(oid);
  if (charLength(value) > max) return `is longer than ${max} characters, the upper bound for this attribute`;
  if (type === "printableString") {
    const bad = nonPrintable(value);
    if (bad) return `character ${showCharacter(bad)} is not allowed in a PrintableString (${PRINTABLE_SET})`;
  }
  if (type === "ia5String") {
    const bad = nonAscii(value);
    if (bad) return `an IA5String is ASCII only; character ${showCharacter(bad)} is not`;
  }
  return undefined;
}

/** Lone surrogates and control characters, refused in every string type. */
function characterProblem(value: string, what: string): string | undefined {
  const surrogate = loneSurrogate(value);
  if (surrogate) return `is not well-formed Unicode: lone surrogate ${showCharacter(surrogate)} cannot be encoded in ${what}`;
  const control = forbiddenCharacter(value);
  if (control) return `control character ${showCharacter(control)} is not allowed in ${what}`;
  return undefined;
}

// ---- subject alternative names ----

function checkSans(s: SanSpec): NameEncodingRefusal | undefined {
  const kinds: [keyof SanSpec, (v: string) => string | undefined][] = [
    ["dnsNames", dnsNameProblem],
    ["ipAddresses", ipProblem],
    ["uris", uriProblem],
    ["emailAddresses", emailProblem],
  ];
  for (const [kind, problem] of kinds) {
    for (const [i, v] of (s[kind] ?? []).entries()) {
      const why = problem(v);
      if (why) return { rule: INVALID_SAN, field: `${kind}[${i}]`, message: `${kind}[${i}] ${showValue(v)}: ${why}` };
    }
  }
  return undefined;
}

function sanCharacters(v: string, what: string, limit: number): string | undefined {
  if (v === "") return "must not be empty";
  const common = characterProblem(v, what);
  if (common) return common;
  if (charLength(v) > limit) return `is longer than ${limit} characters`;
  return undefined;
}

/** Exported for messages about a single DNS name (e.g. an A-label hint elsewhere). */
export function dnsNameProblem(v: string): string | undefined {
  const what = "a dNSName (IA5String)";
  const common = sanCharacters(v, what, SAN_LIMITS.dnsNames);
  if (common) return common;
  const bad = nonAscii(v);
  if (bad) {
    const aLabel = domainToASCII(v);
    const hint = aLabel !== "" && DNS_NAME_PATTERN.test(aLabel) ? `; write the A-label "${aLabel}"` : "; it is not a valid internationalised domain name either";
    return `${what} is ASCII only and character ${showCharacter(bad)} is not${hint}`;
  }
  if (!DNS_NAME_PATTERN.test(v)) return "is not a DNS name (letters, digits, '-' and '_' in labels of at most 63 characters, optionally starting with '*.')";
  return undefined;
}

function ipProblem(v: string): string | undefined {
  try {
    canonicalIp(v);
    return undefined;
  } catch {
    return "is not an IPv4 or IPv6 address";
  }
}

function uriProblem(v: string): string | undefined {
  const what = "a uniformResourceIdentifier (IA5String)";
  const common = sanCharacters(v, what, SAN_LIMITS.uris);
  if (common) return common;
  const bad = nonAscii(v);
  if (bad) {
    const ascii = URL.canParse(v) ? new URL(v).href : "";
    const hint = ascii !== "" && nonAscii(ascii) === undefined ? `, e.g. "${ascii}"` : "";
    return `${what} is ASCII only and character ${showCharacter(bad)} is not; percent-encode it (and use the A-label for an internationalised host)${hint}`;
  }
  if (!URI_PATTERN.test(v) || !URL.canParse(v)) return "is not an absolute URI (scheme ':' then RFC 3986 characters, '%' only in %XX escapes)";
  return undefined;
}

function emailProblem(v: string): string | undefined {
  const what = "an rfc822Name (IA5String)";
  const common = sanCharacters(v, what, SAN_LIMITS.emailAddresses);
  if (common) return common;
  const bad = nonAscii(v);
  if (bad) {
    const at = v.lastIndexOf("@");
    const local = at < 0 ? v : v.slice(0, at);
    const aLabel = at < 0 ? "" : domainToASCII(v.slice(at + 1));
    const hint =
      nonAscii(local) === undefined && aLabel !== ""
        ? `; write the domain as its A-label: "${local}@${aLabel}"`
        : "; internationalised mailboxes (SmtpUTF8Mailbox, RFC 9598) are not supported";
    return `${what} is ASCII only and character ${showCharacter(bad)} is not${hint}`;
  }
  if (!EMAIL_PATTERN.test(v)) return "is not an email address (an ASCII dot-atom local part, '@', a DNS domain)";
  return undefined;
}
