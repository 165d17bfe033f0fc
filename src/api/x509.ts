// X.509 vocabulary shared by Certificate and the RA profiles: certificate types, key
// algorithms and sizes, subject attributes, revocation reasons.
import { z } from "zod";
import { REVOCATION_REASONS } from "../pki/crl.ts";
import { CERTIFICATE_TYPES } from "../pki/usages.ts";
import { OID_PATTERN } from "../pki/attribute-types.ts";
import { PRINTABLE_PATTERN } from "../pki/name-syntax.ts";
import { withRules, type CelRule } from "./cel-rules.ts";
import { attributeOidRules, countryCode, noControlCharacters, otherAttributeValueRules } from "./name-string-rules.ts";

/** One list with the key-usage table in src/pki/usages.ts. */
export const certificateTypes = CERTIFICATE_TYPES;
export const certificateTypeSchema = z.enum(certificateTypes);
export type CertificateType = z.infer<typeof certificateTypeSchema>;

export const keyAlgorithms = ["RSA", "ECDSA", "Ed25519"] as const;
export const keyAlgorithmSchema = z.enum(keyAlgorithms);
export type KeyAlgorithm = z.infer<typeof keyAlgorithmSchema>;

export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;
export const ECDSA_KEY_SIZES = [256, 384] as const;

/** Key size in bits (RSA modulus, ECDSA curve size); which values fit is a CEL rule. */
export const keySizeSchema = z.int().min(1).max(8192);

interface SizedKey {
  algorithm: KeyAlgorithm;
  size?: number | undefined;
}

const sizeIn = (sizes: readonly number[], size: number | undefined): boolean =>
  size === undefined || sizes.includes(size);

/** Valid sizes per algorithm; used wherever an `{algorithm, size}` pair appears. */
export const keySizeRules: CelRule<SizedKey>[] = [
  {
    rule: `self.algorithm != 'RSA' || !has(self.size) || self.size in [${RSA_KEY_SIZES.join(", ")}]`,
    message: `RSA key size must be one of ${RSA_KEY_SIZES.join(", ")}`,
    fieldPath: ".size",
    holds: (k) => k.algorithm !== "RSA" || sizeIn(RSA_KEY_SIZES, k.size),
  },
  {
    rule: `self.algorithm != 'ECDSA' || !has(self.size) || self.size in [${ECDSA_KEY_SIZES.join(", ")}]`,
    message: `ECDSA key size must be one of ${ECDSA_KEY_SIZES.join(", ")}`,
    fieldPath: ".size",
    holds: (k) => k.algorithm !== "ECDSA" || sizeIn(ECDSA_KEY_SIZES, k.size),
  },
  {
    rule: "self.algorithm != 'Ed25519' || !has(self.size)",
    message: "Ed25519 keys have a fixed size; leave size unset",
    fieldPath: ".size",
    holds: (k) => k.algorithm !== "Ed25519" || k.size === undefined,
  },
];

/** RFC 5280 CRLReason names, as the CRL code in src/pki knows them. */
export const revocationReasons = REVOCATION_REASONS;
export const revocationReasonSchema = z.enum(revocationReasons);

export const subjectAttributes = [
  "commonName",
  "countries",
  "organizations",
  "organizationalUnits",
  "localities",
  "provinces",
  "streetAddresses",
  "postalCodes",
  "serialNumber",
  "organizationIdentifier",
  "uid",
  "otherAttributes",
] as const;
export const subjectAttributeSchema = z.enum(subjectAttributes);
export type SubjectAttribute = z.infer<typeof subjectAttributeSchema>;

// Upper bounds from RFC 5280 appendix A where it has one. Every value is a DirectoryString
// (UTF8String) unless noted; none may carry control characters (docs/name-rules.md).
const text = (max: number) => withRules(z.string().min(1).max(max), [noControlCharacters]);
const texts = (max: number) => z.array(text(max)).max(10).optional();

export const otherAttributeSchema = withRules(
  z.object({
    oid: withRules(
      z.string().max(128).regex(OID_PATTERN, {
        message: "must be a dotted attribute OID such as 2.5.4.97 (first arc 0-2, at least three arcs, no leading zeros)",
      }),
      attributeOidRules,
    ).describe("Dotted attribute OID, e.g. 2.5.4.97; not an arc such as 2.5.4, nor an attribute with its own field (docs/name-rules.md)."),
    value: text(256).describe("Attribute value, written as a UTF8String."),
  }),
  otherAttributeValueRules,
);

export const subjectSchema = z.object({
  commonName: text(64).optional().describe("CN (2.5.4.3)."),
  countries: z
    .array(withRules(z.string().max(2), [countryCode]))
    .max(10)
    .optional()
    .describe("C (2.5.4.6): upper-case ISO 3166-1 alpha-2 codes, written as PrintableString (docs/name-rules.md)."),
  organizations: texts(64).describe("O (2.5.4.10)."),
  organizationalUnits: texts(64).describe("OU (2.5.4.11)."),
  localities: texts(128).describe("L (2.5.4.7)."),
  provinces: texts(128).describe("ST (2.5.4.8)."),
  streetAddresses: texts(128).describe("street (2.5.4.9)."),
  postalCodes: texts(40).describe("postalCode (2.5.4.17)."),
  serialNumber: withRules(
    z.string().min(1).max(64).regex(PRINTABLE_PATTERN, {
      message: "must be a PrintableString: only A-Z a-z 0-9 space ' ( ) + , - . / : = ?",
    }),
    [noControlCharacters],
  )
    .optional()
    .describe("The serialNumber DN attribute (2.5.4.5), a PrintableString; not the certificate's serial number."),
  organizationIdentifier: text(64).optional().describe("organizationIdentifier (2.5.4.97), e.g. PSD2 PSDGB-FCA-123456."),
  uid: text(256).optional().describe("UID (0.9.2342.19200300.100.1.1)."),
  otherAttributes: z.array(otherAttributeSchema).max(10).optional().describe("Further DN attributes by OID."),
});
export type Subject = z.infer<typeof subjectSchema>;

// Compile-time check that the attribute list and the subject fields stay the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAttributes: Same<SubjectAttribute, keyof Subject> = true;
void sameAttributes;
