// What certwright wrote into a certificate Secret, recorded on the Secret itself in the same
// write as the data. A crash between the Secret write and the status write then leaves enough
// behind to complete the inventory (history entry, revision, Event, supersede revocation), and
// any later change to the outputs by someone else is seen and repaired. Pure.
import { createHash } from "node:crypto";
import type { SecretObject } from "../../kube/objects.ts";

export const SERIAL_ANNOTATION = "certwright.dev/serial-number";
export const REVISION_ANNOTATION = "certwright.dev/revision";
/** Serial of the certificate this write replaced, for the supersede policy after a crash. */
export const PREVIOUS_SERIAL_ANNOTATION = "certwright.dev/previous-serial-number";
/** The replaced certificate itself (public), only when it must still be revoked by certificate. */
export const PREVIOUS_CERTIFICATE_ANNOTATION = "certwright.dev/previous-certificate";
/** The spec.renewalRequest id this write served, so a crash does not serve it twice. */
export const RENEWAL_REQUEST_ANNOTATION = "certwright.dev/renewal-request-id";
/** SHA-256 over the derived outputs (ca.crt, keystore.p12, jwks.json) as written. */
export const OUTPUTS_DIGEST_ANNOTATION = "certwright.dev/outputs-sha256";

/** Keys derived from the certificate and key: rebuilt, never re-issued, when they drift. */
export const DERIVED_KEYS = ["ca.crt", "keystore.p12", "jwks.json"] as const;

export interface SecretRecord {
  serialNumber: string;
  revision: number;
  previousSerialNumber?: string;
  previousCertificatePem?: string;
  renewalRequestId?: string;
  outputsDigest?: string;
}

export function recordAnnotations(r: SecretRecord): Record<string, string> {
  const out: Record<string, string> = { [SERIAL_ANNOTATION]: r.serialNumber, [REVISION_ANNOTATION]: String(r.revision) };
  if (r.previousSerialNumber) out[PREVIOUS_SERIAL_ANNOTATION] = r.previousSerialNumber;
  if (r.previousCertificatePem) out[PREVIOUS_CERTIFICATE_ANNOTATION] = r.previousCertificatePem.trim();
  if (r.renewalRequestId) out[RENEWAL_REQUEST_ANNOTATION] = r.renewalRequestId;
  if (r.outputsDigest) out[OUTPUTS_DIGEST_ANNOTATION] = r.outputsDigest;
  return out;
}

/** Annotations of an older record that a new write must not carry over. */
export const RECORD_ANNOTATIONS = [SERIAL_ANNOTATION, REVISION_ANNOTATION, PREVIOUS_SERIAL_ANNOTATION, PREVIOUS_CERTIFICATE_ANNOTATION, RENEWAL_REQUEST_ANNOTATION, OUTPUTS_DIGEST_ANNOTATION];

export function readRecord(s: SecretObject | undefined): SecretRecord | undefined {
  const a = s?.metadata.annotations ?? {};
  const serialNumber = a[SERIAL_ANNOTATION];
  const revision = Number(a[REVISION_ANNOTATION]);
  if (!serialNumber || !Number.isSafeInteger(revision) || revision < 1) return undefined;
  return {
    serialNumber,
    revision,
    previousSerialNumber: a[PREVIOUS_SERIAL_ANNOTATION] || undefined,
    previousCertificatePem: a[PREVIOUS_CERTIFICATE_ANNOTATION] || undefined,
    renewalRequestId: a[RENEWAL_REQUEST_ANNOTATION] || undefined,
    outputsDigest: a[OUTPUTS_DIGEST_ANNOTATION] || undefined,
  };
}

/**
 * Digest of the derived outputs over the Secret's base64 `data` as stored, so binary values
 * (keystore.p12) hash the same on write and on read.
 */
export function outputsDigest(encoded: Record<string, string> | undefined): string {
  const h = createHash("sha256");
  for (const k of DERIVED_KEYS) {
    const v = encoded?.[k];
    h.update(`${k}\0${v === undefined ? "-" : "+"}`);
    if (v !== undefined) h.update(Buffer.from(v, "base64"));
    h.update("\0");
  }
  return h.digest("hex");
}
