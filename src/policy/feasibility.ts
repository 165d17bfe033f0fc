// Requests that no authority could ever fulfil as written, refused before policy and issuance:
// they are spec errors (wait for a change), never failures to retry. Pure.
import type { KeySpec } from "../pki/keys.ts";
import type { CertificateType } from "../pki/usages.ts";

export interface FeasibilityInput {
  type: CertificateType;
  key: KeySpec;
  durationMs: number;
}

export function infeasibility(r: FeasibilityInput): { rule: string; message: string } | undefined {
  if (r.type === "encryption" && r.key.algorithm === "Ed25519") {
    return { rule: "KeyNotSuitableForType", message: "an Ed25519 key can only sign: an encryption certificate needs an RSA or ECDSA key" };
  }
  if (!(r.durationMs > 0)) return { rule: "DurationTooShort", message: "duration must be longer than zero" };
  return undefined;
}
