// The RA policy as a chain of small rules (cert-manager's policy-chain style): the first
// rule that objects decides; no objection means the request may be issued.
import type { RAProfileSpec } from "../api/ra-profile.ts";
import { dnsNames, emailAddresses, ipAddresses, uris } from "./name-rules.ts";
import { certificateType, durationBounds, externalCSR, keyAlgorithm, profileEnabled } from "./profile-rules.ts";
import { allowedSubjectAttributes, requiredSubjectAttributes } from "./subject-rules.ts";
import type { PolicyRequest, PolicyRule, PolicyViolation } from "./types.ts";

export const policyChain: readonly PolicyRule[] = [
  profileEnabled,
  externalCSR,
  certificateType,
  keyAlgorithm,
  durationBounds,
  allowedSubjectAttributes,
  requiredSubjectAttributes,
  dnsNames,
  ipAddresses,
  uris,
  emailAddresses,
];

export function evaluatePolicy(profile: RAProfileSpec, request: PolicyRequest): PolicyViolation | undefined {
  for (const rule of policyChain) {
    const violation = rule(profile, request);
    if (violation !== undefined) return violation;
  }
  return undefined;
}
