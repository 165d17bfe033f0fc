// Revocation bookkeeping in the inventory (status.history). Pure.
import type { CertificateStatus, HistoryEntry } from "../../api/certificate.ts";
import { toRFC3339 } from "../../api/conditions.ts";
import type { RevocationReason } from "../../pki/crl.ts";

/** The reason the certificate with this serial was revoked, if it was. */
export function revokedReasonOf(status: CertificateStatus, serial: string | undefined): RevocationReason | undefined {
  if (!serial) return undefined;
  const h = status.history?.find((e) => e.serialNumber === serial);
  return h?.state === "revoked" ? (h.revocationReason ?? "unspecified") : undefined;
}

/** Marks a history entry revoked (adding one when the serial is not listed). */
export function markRevoked(status: CertificateStatus, serial: string, reason: RevocationReason, at: Date): CertificateStatus {
  const history: HistoryEntry[] = [...(status.history ?? [])];
  const i = history.findIndex((e) => e.serialNumber === serial);
  const revoked = { state: "revoked" as const, revocationReason: reason, revokedAt: toRFC3339(at) };
  if (i >= 0) history[i] = { ...history[i]!, ...revoked };
  const current = status.serialNumber === serial;
  return {
    ...status,
    history,
    revokedAt: current ? toRFC3339(at) : status.revokedAt,
    revocationReason: current ? reason : status.revocationReason,
  };
}

/** Marks entries whose notAfter has passed as expired (issued or superseded ones only). */
export function markExpired(status: CertificateStatus, now: Date): CertificateStatus {
  if (!status.history?.some((h) => h.state !== "revoked" && h.state !== "expired" && new Date(h.notAfter) <= now)) return status;
  return {
    ...status,
    history: status.history.map((h) => (h.state !== "revoked" && new Date(h.notAfter) <= now ? { ...h, state: "expired" as const } : h)),
  };
}
