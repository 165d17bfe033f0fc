// Apply-time string rules for subject attributes, as CEL with TypeScript twins (cel-rules.ts).
// They come from the same tables the encoder and checkNameEncoding use (src/pki), so what
// `kubectl apply` admits is what the reconciler can write exactly. See docs/name-rules.md.
import {
  ATTRIBUTE_TYPES,
  DEFAULT_MAX,
  ENTERPRISE_ARC,
  NON_STRING_ATTRIBUTES,
  REGISTRATION_ARCS,
  attributeType,
  maxLengthOf,
  stringTypeOf,
} from "../pki/attribute-types.ts";
import { COUNTRY_CODES, isCountryCode } from "../pki/iso-3166.ts";
import { FORBIDDEN_CHARACTER, FORBIDDEN_CHARACTER_RE2, PRINTABLE_PATTERN, charLength } from "../pki/name-syntax.ts";
import { celStrings, type CelRule } from "./cel-rules.ts";

/** A regex source as a CEL single-quoted string literal (backslashes doubled for CEL's own escapes). */
const celRegex = (source: string): string => `'${source.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export const noControlCharacters: CelRule<string> = {
  rule: `!self.matches(${celRegex(FORBIDDEN_CHARACTER_RE2)})`,
  message: "must not contain control characters (U+0000-U+001F, U+007F-U+009F), line separators or bidirectional controls",
  holds: (s) => !FORBIDDEN_CHARACTER.test(s),
};

const COUNTRY_MESSAGE = "must be an upper-case ISO 3166-1 alpha-2 country code such as BR";

export const countryCode: CelRule<string> = {
  rule: `self in ${celStrings(COUNTRY_CODES)}`,
  message: COUNTRY_MESSAGE,
  holds: isCountryCode,
};

const otherOids = ATTRIBUTE_TYPES.filter((a) => a.field === undefined);
const namedOids = ATTRIBUTE_TYPES.filter((a) => a.field !== undefined).map((a) => a.oid);
const countryOids = otherOids.filter((a) => a.country).map((a) => a.oid);
const printableOids = otherOids.filter((a) => a.type === "printableString" && !a.country).map((a) => a.oid);
const ia5Oids = otherOids.filter((a) => a.type === "ia5String").map((a) => a.oid);
const boundedBelowDefault = [...new Set(otherOids.filter((a) => a.max < DEFAULT_MAX && !a.country).map((a) => a.max))].sort((a, b) => a - b);

export const attributeOidRules: CelRule<string>[] = [
  {
    rule: `!(self in ${celStrings(REGISTRATION_ARCS)}) && !self.matches(${celRegex(ENTERPRISE_ARC.source)})`,
    message: "is a registration arc (such as 2.5.4 or 1.3.6.1.4.1.<enterprise>), not an attribute type",
    holds: (oid) => !REGISTRATION_ARCS.includes(oid) && !ENTERPRISE_ARC.test(oid),
  },
  {
    rule: `!(self in ${celStrings(namedOids)})`,
    message: "this attribute has its own subject field (commonName, countries, organizations, ...): set that field instead",
    holds: (oid) => !namedOids.includes(oid),
  },
  {
    rule: `!(self in ${celStrings(Object.keys(NON_STRING_ATTRIBUTES))})`,
    message: "this attribute is not a character string and cannot be set from text",
    holds: (oid) => NON_STRING_ATTRIBUTES[oid] === undefined,
  },
];

interface OtherAttribute {
  oid: string;
  value: string;
}

const PRINTABLE = PRINTABLE_PATTERN.source;
const VISIBLE_ASCII = /^[\x20-\x7e]+$/;

/** Value rules that depend on the OID: the attribute's string type, country codes and upper bounds. */
export const otherAttributeValueRules: CelRule<OtherAttribute>[] = [
  {
    rule: `!(self.oid in ${celStrings(countryOids)}) || self.value in ${celStrings(COUNTRY_CODES)}`,
    message: `${COUNTRY_MESSAGE} for this attribute (jurisdictionCountryName, countryOfCitizenship, countryOfResidence)`,
    fieldPath: ".value",
    holds: (a) => !countryOids.includes(a.oid) || isCountryCode(a.value),
  },
  {
    rule: `!(self.oid in ${celStrings(printableOids)}) || self.value.matches(${celRegex(PRINTABLE)})`,
    message: "this attribute is a PrintableString: only A-Z a-z 0-9 space ' ( ) + , - . / : = ?",
    fieldPath: ".value",
    holds: (a) => stringTypeOf(a.oid) !== "printableString" || attributeType(a.oid)?.country === true || PRINTABLE_PATTERN.test(a.value),
  },
  {
    rule: `!(self.oid in ${celStrings(ia5Oids)}) || self.value.matches('^[ -~]+$')`,
    message: "this attribute is an IA5String: printable ASCII only",
    fieldPath: ".value",
    holds: (a) => stringTypeOf(a.oid) !== "ia5String" || VISIBLE_ASCII.test(a.value),
  },
  ...boundedBelowDefault.map(
    (max): CelRule<OtherAttribute> => {
      const oids = otherOids.filter((a) => a.max === max && !a.country).map((a) => a.oid);
      return {
        rule: `!(self.oid in ${celStrings(oids)}) || size(self.value) <= ${max}`,
        message: `this attribute has at most ${max} characters`,
        fieldPath: ".value",
        holds: (a) => !oids.includes(a.oid) || charLength(a.value) <= maxLengthOf(a.oid),
      };
    },
  ),
];
