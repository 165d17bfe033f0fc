// Rules about the profile itself and the request as a whole: enabled, external CSR,
// certificate type, key, duration.
import { DEFAULT_MIN_DURATION, formatDuration, parseDuration } from "../api/duration.ts";
import { allowedList, type PolicyRule } from "./types.ts";

export const profileEnabled: PolicyRule = (profile) =>
  profile.enabled ? undefined : { rule: "ProfileDisabled", message: "the RA profile is disabled (spec.enabled is false)" };

export const externalCSR: PolicyRule = (profile, req) =>
  !req.external || profile.policy?.allowExternalCSR
    ? undefined
    : { rule: "ExternalCSRNotAllowed", message: "external CSRs (csrSecretRef) are not allowed by this profile" };

export const certificateType: PolicyRule = (profile, req) => {
  const allowed = profile.policy?.allowedTypes;
  if (allowed === undefined || allowed.includes(req.type)) return undefined;
  return { rule: "TypeNotAllowed", message: `type "${req.type}" is not allowed ${allowedList(allowed)}` };
};

export const keyAlgorithm: PolicyRule = (profile, req) => {
  const allowed = profile.policy?.keyAlgorithms;
  if (allowed === undefined) return undefined;
  const { algorithm, size } = req.key;
  const entry = allowed.find((k) => k.algorithm === algorithm);
  if (entry === undefined) {
    const algorithms = allowed.map((k) => k.algorithm);
    return { rule: "KeyAlgorithmNotAllowed", message: `key algorithm "${algorithm}" is not allowed ${allowedList(algorithms)}` };
  }
  if (entry.sizes === undefined || (size !== undefined && entry.sizes.includes(size))) return undefined;
  return {
    rule: "KeySizeNotAllowed",
    message: `${algorithm} key size ${size ?? "(unset)"} is not allowed ${allowedList(entry.sizes)}`,
  };
};

export const durationBounds: PolicyRule = (profile, req) => {
  const maxDuration = profile.policy?.maxDuration;
  // Without a floor a tiny duration is due for renewal as soon as it is issued: a re-issue loop.
  const minDuration = profile.policy?.minDuration ?? DEFAULT_MIN_DURATION;
  const asked = formatDuration(req.durationMs);
  if (maxDuration !== undefined && req.durationMs > parseDuration(maxDuration)) {
    return { rule: "DurationTooLong", message: `duration ${asked} exceeds maxDuration ${maxDuration}` };
  }
  if (req.durationMs < parseDuration(minDuration)) {
    return { rule: "DurationTooShort", message: `duration ${asked} is below minDuration ${minDuration}` };
  }
  return undefined;
};
