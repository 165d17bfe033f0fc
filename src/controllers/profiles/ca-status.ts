// The CA-validity part of a profile's status: caNotBefore/caNotAfter, the CAExpiryNotice
// condition, whether the notice window was just entered (Event once), and when to look again
// so the profile flips at the notice start, the CA's notBefore and its notAfter by itself.
import type { RAProfileStatus } from "../../api/ra-profile.ts";
import { getCondition, setCondition, toRFC3339, type Condition } from "../../api/conditions.ts";
import { CAReason, caNoticeState, type CaValidity } from "../../connectors/ca-validity.ts";
import { inspectCertificate, splitPemBundle } from "../../pki/inspect.ts";

export const CA_EXPIRY_NOTICE_CONDITION = "CAExpiryNotice";

/** How often a local-CA profile re-reads its CA Secret, which certwright does not watch (it is not labelled). */
export const CA_RECHECK_INTERVAL_MS = 5 * 60_000;

const DAY = 86_400_000;

/** Validity of the first certificate of a PEM bundle; undefined when there is none readable. */
export function caValidityOfPem(pem: string | undefined): CaValidity | undefined {
  const first = splitPemBundle(pem ?? "")[0];
  if (!first) return undefined;
  try {
    const info = inspectCertificate(first);
    return { notBefore: info.notBefore, notAfter: info.notAfter };
  } catch {
    return undefined;
  }
}

export interface CaStatus {
  fields: Pick<RAProfileStatus, "caNotBefore" | "caNotAfter" | "caExpiryNoticeTime">;
  conditions: Condition[];
  /** True when this look entered the notice window of a still valid CA: emit the Event. */
  entered: boolean;
  inWindow: boolean;
  /** Ms until the next CA-related change (notBefore, notice start, notAfter), if any is ahead. */
  nextLookMs?: number;
  message: string;
}

type Phase = "early" | "expired" | "notice" | "fine";

function phaseOf(v: CaValidity, noticeStart: Date, now: Date): Phase {
  const t = now.getTime();
  // Before notBefore the window is not entered yet, so the entry Event fires once the CA is usable.
  if (t < v.notBefore.getTime()) return "early";
  if (t > v.notAfter.getTime()) return "expired";
  return t >= noticeStart.getTime() ? "notice" : "fine";
}

export function caStatus(before: Condition[] | undefined, v: CaValidity, noticeMs: number, now: Date, generation: number): CaStatus {
  const { noticeStart } = caNoticeState(v, noticeMs, now);
  const phase = phaseOf(v, noticeStart, now);
  const inWindow = phase === "notice" || phase === "expired";
  const days = Math.max(0, Math.floor((v.notAfter.getTime() - now.getTime()) / DAY));
  const ends = toRFC3339(v.notAfter);
  const { reason, message } = {
    early: { reason: CAReason.NotYetValid, message: `the CA certificate is not valid before ${toRFC3339(v.notBefore)}` },
    expired: { reason: CAReason.Expired, message: `the CA certificate expired at ${ends}` },
    notice: {
      reason: CAReason.ExpiringSoon,
      message: `the CA certificate expires at ${ends} (in ${days} days): certificates ending later are refused (${CAReason.DurationExceedsCA}); renew the CA`,
    },
    fine: { reason: "NotDue", message: `the CA certificate expires at ${ends}; notice from ${toRFC3339(noticeStart)}` },
  }[phase];
  const cond = {
    type: CA_EXPIRY_NOTICE_CONDITION,
    status: inWindow ? ("True" as const) : ("False" as const),
    reason,
    message,
    observedGeneration: generation,
  };
  const was = getCondition(before, CA_EXPIRY_NOTICE_CONDITION)?.status === "True";
  // Look again just after each boundary: notAfter itself is still inside the validity.
  const ahead = [v.notBefore.getTime(), noticeStart.getTime(), v.notAfter.getTime() + 1000].filter((t) => t > now.getTime());
  return {
    fields: { caNotBefore: toRFC3339(v.notBefore), caNotAfter: toRFC3339(v.notAfter), caExpiryNoticeTime: toRFC3339(noticeStart) },
    conditions: setCondition(before, cond, now),
    entered: phase === "notice" && !was,
    inWindow,
    nextLookMs: ahead.length > 0 ? Math.min(...ahead) - now.getTime() : undefined,
    message,
  };
}
