// What the RA policy is asked about, and what it answers when it says no.
import type { RAProfileSpec } from "../api/ra-profile.ts";
import type { CertificateType, KeyAlgorithm, Subject } from "../api/x509.ts";

export interface PolicyRequest {
  readonly type: CertificateType;
  readonly subject: Subject | undefined;
  readonly sans: {
    readonly dnsNames: readonly string[];
    readonly ipAddresses: readonly string[];
    readonly uris: readonly string[];
    readonly emailAddresses: readonly string[];
  };
  /** The key actually used: defaults already resolved by the caller. */
  readonly key: { readonly algorithm: KeyAlgorithm; readonly size: number | undefined };
  readonly durationMs: number;
  /** The CSR came from the user (csrSecretRef) rather than from a key we generated. */
  readonly external: boolean;
}

export type PolicyRuleName =
  | "ProfileDisabled"
  | "ExternalCSRNotAllowed"
  | "TypeNotAllowed"
  | "KeyAlgorithmNotAllowed"
  | "KeySizeNotAllowed"
  | "DurationTooLong"
  | "DurationTooShort"
  | "SubjectAttributeNotAllowed"
  | "SubjectAttributeMissing"
  | "DNSNameNotAllowed"
  | "IPAddressNotAllowed"
  | "URINotAllowed"
  | "EmailNotAllowed";

export interface PolicyViolation {
  /** CamelCase, fit for a condition reason. */
  readonly rule: PolicyRuleName;
  /** Says which value broke which rule. */
  readonly message: string;
}

/** One link of the chain: a violation, or undefined to pass the request on. */
export type PolicyRule = (profile: RAProfileSpec, request: PolicyRequest) => PolicyViolation | undefined;

/** "(a, b)" or "(none allowed)" for messages. */
export function allowedList(values: readonly (string | number)[]): string {
  return values.length === 0 ? "(none allowed)" : `(${values.join(", ")})`;
}
