// Status field values (facts of a certificate, history, back-off) for statusFor(). Pure.
import type { CertificateStatus, HistoryEntry } from "../../api/certificate.ts";
import { MAX_HISTORY } from "../../api/certificate.ts";
import { toRFC3339 } from "../../api/conditions.ts";
import type { CertificateInfo } from "../../pki/inspect.ts";

/** The Ready message of a held certificate: the same words whether just issued or found at a restart. */
export function readyMessage(info: Pick<CertificateInfo, "serialNumber" | "notAfter">): string {
  return `certificate serial ${info.serialNumber} is valid until ${toRFC3339(info.notAfter)}`;
}

/** Status after a successful issuance: new facts, a history entry, failures cleared. */
export function issuedStatus(
  status: CertificateStatus,
  info: CertificateInfo,
  renewalTime: Date,
  extra: { renewalRequestId?: string; revision: number; issuedAt: Date },
): CertificateStatus {
  const history: HistoryEntry[] = (status.history ?? []).map((h) =>
    h.state === "issued" ? { ...h, state: "superseded" as const } : h,
  );
  history.unshift({
    serialNumber: info.serialNumber,
    notBefore: toRFC3339(info.notBefore),
    notAfter: toRFC3339(info.notAfter),
    fingerprintSHA256: info.fingerprintSHA256,
    state: "issued",
    issuedAt: toRFC3339(extra.issuedAt),
  });
  return {
    ...status,
    ...certificateFacts(info, renewalTime),
    revision: extra.revision,
    failedIssuanceAttempts: undefined,
    lastFailureTime: undefined,
    nextRetryTime: undefined,
    lastRenewalRequestId: extra.renewalRequestId ?? status.lastRenewalRequestId,
    history: history.slice(0, MAX_HISTORY),
  };
}

/** Status describing a certificate found valid in its Secret (e.g. after an operator restart). */
export function observedStatus(status: CertificateStatus, info: CertificateInfo, renewalTime: Date): CertificateStatus {
  return { ...status, ...certificateFacts(info, renewalTime), revision: status.revision ?? 1 };
}

/** The status fields that describe the certificate currently in the Secret. */
function certificateFacts(info: CertificateInfo, renewalTime: Date): CertificateStatus {
  return {
    notBefore: toRFC3339(info.notBefore),
    notAfter: toRFC3339(info.notAfter),
    renewalTime: toRFC3339(renewalTime),
    serialNumber: info.serialNumber,
    fingerprintSHA256: info.fingerprintSHA256,
  };
}

/** Exponential back-off per Certificate: 10 s, 20 s, 40 s ... capped at one hour. */
export function retryDelayMs(failedAttempts: number, baseMs = 10_000, capMs = 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

export function failedStatus(status: CertificateStatus, now: Date): { status: CertificateStatus; retryAt: Date } {
  const attempts = (status.failedIssuanceAttempts ?? 0) + 1;
  const retryAt = new Date(now.getTime() + retryDelayMs(attempts));
  return {
    status: { ...status, failedIssuanceAttempts: attempts, lastFailureTime: toRFC3339(now), nextRetryTime: toRFC3339(retryAt) },
    retryAt,
  };
}

/** JSON equality ignoring key order, for "only write when something changed". */
export function sameStatus(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
}

/** A JSON merge patch from one status to the next: fields that went away become null. */
export function mergePatchOf<T extends object>(before: T, after: T): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) if (v !== undefined) patch[k] = v;
  for (const [k, v] of Object.entries(before)) if (v !== undefined && (after as Record<string, unknown>)[k] === undefined) patch[k] = null;
  return patch;
}
