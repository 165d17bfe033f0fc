// One Secret, one owner. A Certificate writes only a Secret it owns: one it created (labelled with
// its uid), one left behind by a deleted Certificate, or a foreign Secret its owner explicitly
// handed over with an annotation. Secrets an RA profile or another Certificate relies on (CA key
// pairs, account keys, credentials, keystore passwords, external CSRs) are never written. Pure.
import type { SecretObject } from "../../kube/objects.ts";
import { MANAGED_BY_LABEL } from "../../kube/secret-store.ts";

export const CERTIFICATE_NAME_LABEL = "certwright.dev/certificate-name";
/** The uid of the owning Certificate: stable across restarts and renames of nothing. */
export const CERTIFICATE_UID_LABEL = "certwright.dev/certificate-uid";
/** Set to "true" on a pre-existing Secret to let a Certificate take it over. */
export const ADOPT_ANNOTATION = "certwright.dev/allow-adoption";

/** Secret types a certificate may be written into; a Secret's type can never change. */
const WRITABLE_TYPES = new Set(["kubernetes.io/tls", "Opaque"]);

export type OwnershipRefusalReason = "SecretUsedByProfile" | "SecretInUse" | "SecretOwnedByOtherCertificate" | "SecretNotOwned" | "SecretTypeNotSupported";

export type Ownership = { owned: true } | { owned: false; reason: OwnershipRefusalReason; message: string };

/** Who relies on a Secret by name, e.g. "RAProfile demo/local-ca (spec.authority.local.caSecretName)". */
export interface SecretUse {
  party: "profile" | "certificate";
  description: string;
}

export interface OwnershipInput {
  certificate: { name: string; uid: string };
  secretName: string;
  /** The Secret as it is now; undefined when it does not exist. */
  secret: SecretObject | undefined;
  /** Who relies on the Secret by this name (RA profiles and Certificates of the namespace). */
  use: SecretUse | undefined;
  /** The Certificate of this namespace with that uid (or, for legacy labels, name), if it exists. */
  certificateByUid(uid: string): string | undefined;
  certificateByName(name: string): { uid: string } | undefined;
}

export function judgeOwnership(i: OwnershipInput): Ownership {
  const use = i.use;
  if (use) {
    return {
      owned: false,
      reason: use.party === "profile" ? "SecretUsedByProfile" : "SecretInUse",
      message: `Secret ${i.secretName} is used by ${use.description}: a Certificate never writes it; choose another secretName`,
    };
  }
  const s = i.secret;
  if (!s) return { owned: true };
  const labels = s.metadata.labels ?? {};
  const byLabel = ownerByLabels(i, labels);
  if (byLabel) return byLabel;
  if (labels[MANAGED_BY_LABEL] === "certwright") {
    return { owned: false, reason: "SecretUsedByProfile", message: `Secret ${i.secretName} holds an RA profile's state (managed by certwright): a Certificate never writes it; choose another secretName` };
  }
  if (s.metadata.annotations?.[ADOPT_ANNOTATION] !== "true") {
    return {
      owned: false,
      reason: "SecretNotOwned",
      message: `Secret ${i.secretName} exists and was not created by certwright; to hand it over to Certificate ${i.certificate.name}, annotate it ${ADOPT_ANNOTATION}=true`,
    };
  }
  const type = s.type ?? "Opaque";
  if (!WRITABLE_TYPES.has(type)) {
    return { owned: false, reason: "SecretTypeNotSupported", message: `Secret ${i.secretName} has type ${type}, which cannot hold a certificate (kubernetes.io/tls or Opaque only; a Secret's type cannot change)` };
  }
  return { owned: true };
}

/** The verdict for a Secret a Certificate created, or undefined when no Certificate did. */
function ownerByLabels(i: OwnershipInput, labels: Record<string, string>): Ownership | undefined {
  const uid = labels[CERTIFICATE_UID_LABEL];
  if (uid) {
    if (uid === i.certificate.uid) return { owned: true };
    const other = i.certificateByUid(uid);
    return other ? ownedByOther(i.secretName, other) : { owned: true }; // left behind by a deleted Certificate
  }
  const name = labels[CERTIFICATE_NAME_LABEL];
  if (!name) return undefined;
  // Written before owners were recorded by uid: the Certificate named in the label keeps it.
  if (name === i.certificate.name) return { owned: true };
  return i.certificateByName(name) ? ownedByOther(i.secretName, name) : { owned: true };
}

function ownedByOther(secretName: string, other: string): Ownership {
  return { owned: false, reason: "SecretOwnedByOtherCertificate", message: `Secret ${secretName} belongs to Certificate ${other}: two Certificates cannot share a secretName` };
}

/** Labels that make a Secret ours (and the Certificate's uid the tie-breaker across restarts). */
export function ownerLabels(cert: { name: string; uid: string }): Record<string, string> {
  return { [CERTIFICATE_NAME_LABEL]: cert.name, [CERTIFICATE_UID_LABEL]: cert.uid, [MANAGED_BY_LABEL]: "certwright" };
}

/**
 * Every Secret name an object's spec refers to: fields named `*SecretName` (a string) and
 * `*SecretRef` (an object with a name), at any depth. New connectors are covered without a list.
 */
export function referencedSecretNames(spec: unknown, path = "spec"): { name: string; field: string }[] {
  if (!spec || typeof spec !== "object") return [];
  const out: { name: string; field: string }[] = [];
  for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
    const field = Array.isArray(spec) ? `${path}[${k}]` : `${path}.${k}`;
    if (/SecretName$/.test(k) && typeof v === "string") out.push({ name: v, field });
    else if (/SecretRef$/.test(k) && v && typeof v === "object" && typeof (v as { name?: unknown }).name === "string") {
      out.push({ name: (v as { name: string }).name, field: `${field}.name` });
    } else out.push(...referencedSecretNames(v, field));
  }
  return out;
}
