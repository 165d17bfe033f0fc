// What a Certificate asks for once the profile's defaults are filled in. Pure.
import type { CertificateSpec } from "../../api/certificate.ts";
import { DEFAULT_DURATION, DEFAULT_RENEW_BEFORE, parseDuration } from "../../api/duration.ts";
import type { RAProfileSpec } from "../../api/ra-profile.ts";
import type { CsrInfo } from "../../pki/csr.ts";
import type { KeySpec } from "../../pki/keys.ts";
import { canonicalSans } from "../../pki/san.ts";
import { describeSubject, type SanSpec, type SubjectSpec } from "../../pki/subject.ts";
import type { Desired } from "./decide.ts";

export interface DesiredRequest extends Desired {
  subjectSpec: SubjectSpec;
}

const DEFAULT_KEY: KeySpec = { algorithm: "RSA", size: 2048 };

export function defaultKeySize(k: KeySpec): number | undefined {
  if (k.algorithm === "Ed25519") return undefined;
  return k.size ?? (k.algorithm === "RSA" ? 2048 : 256);
}

/** With an external CSR, the names and key are the CSR's: that is what gets signed. */
export function desiredFrom(spec: CertificateSpec, profile: RAProfileSpec, csr?: CsrInfo): DesiredRequest {
  const subjectSpec: SubjectSpec = csr?.subject ?? spec.subject ?? {};
  return {
    type: spec.type,
    subject: describeSubject(subjectSpec),
    subjectSpec,
    sans: sansOf(csr?.sans ?? spec),
    key: keyOf(spec, profile, csr),
    ...lifetimeOf(spec, profile),
    rotationPolicy: spec.privateKey?.rotationPolicy ?? "Always",
    external: spec.csrSecretRef !== undefined,
    renewalRequest: spec.renewalRequest ? { id: spec.renewalRequest.id, rekey: spec.renewalRequest.rekey ?? false } : undefined,
  };
}

/** The CSR's key, else the spec's, else the profile default, else RSA 2048. */
function keyOf(spec: CertificateSpec, profile: RAProfileSpec, csr: CsrInfo | undefined): KeySpec {
  const key = csr?.key ?? spec.privateKey ?? profile.defaults?.privateKey ?? DEFAULT_KEY;
  return { algorithm: key.algorithm, size: defaultKeySize(key) };
}

function lifetimeOf(spec: CertificateSpec, profile: RAProfileSpec): { durationMs: number; renewBeforeMs: number } {
  return {
    durationMs: parseDuration(spec.duration ?? profile.defaults?.duration ?? DEFAULT_DURATION),
    renewBeforeMs: parseDuration(spec.renewBefore ?? profile.defaults?.renewBefore ?? DEFAULT_RENEW_BEFORE),
  };
}

/** The canonical SANs (pki canonicalSans): duplicates collapsed, IPs canonical, the same form decide compares. */
export function sansOf(spec: SanSpec): Required<SanSpec> {
  return canonicalSans(spec);
}
