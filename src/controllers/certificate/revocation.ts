// Revocation bookkeeping in the inventory (status.history), the single record of which
// certificate was revoked, when and why. Pure.
import { MAX_HISTORY, type CertificateStatus, type HistoryEntry } from "../../api/certificate.ts";
import { toRFC3339 } from "../../api/conditions.ts";
import type { RevocationReason } from "../../pki/crl.ts";

/** The reason the certificate with this serial was revoked, if it was. */
export function revokedReasonOf(status: CertificateStatus, serial: string | undefined): RevocationReason | undefined {
  if (!serial) return undefined;
  const h = status.history?.find((e) => e.serialNumber === serial);
  return h?.state === "revoked" ? (h.revocationReason ?? "unspecified") : undefined;
}

/**
 * Marks the serial's history entry revoked. A current certificate the history does not list (its
 * status was rebuilt from the Secret) gets an entry first, so the revocation is never forgotten;
 * any other unlisted serial leaves the history as it is (nothing is known of it to list).
 */
export function markRevoked(status: CertificateStatus, serial: string, reason: RevocationReason, at: Date): CertificateStatus {
  const history: HistoryEntry[] = [...(status.history ?? [])];
  const revoked = { state: "revoked" as const, revocationReason: reason, revokedAt: toRFC3339(at) };
  const i = history.findIndex((e) => e.serialNumber === serial);
  if (i >= 0) history[i] = { ...history[i]!, ...revoked };
  else if (status.serialNumber === serial && status.notBefore && status.notAfter) {
    history.unshift({ serialNumber: serial, notBefore: status.notBefore, notAfter: status.notAfter, fingerprintSHA256: status.fingerprintSHA256, ...revoked });
  }
  return { ...status, history: history.slice(0, MAX_HISTORY) };
}

/** Marks entries whose notAfter has passed as expired (issued or superseded ones only). */
export function markExpired(status: CertificateStatus, now: Date): CertificateStatus {
  if (!status.history?.some((h) => h.state !== "revoked" && h.state !== "expired" && new Date(h.notAfter) <= now)) return status;
  return {
    ...status,
    history: status.history.map((h) => (h.state !== "revoked" && new Date(h.notAfter) <= now ? { ...h, state: "expired" as const } : h)),
  };
}
