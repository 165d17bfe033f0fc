// The one place that composes a Certificate's status and conditions from what a reconcile did
// (its Outcome). Pure. Conditions follow kstatus (sigs.k8s.io/cli-utils), which Flux reads natively:
//   Ready        True while a valid certificate is served (also during a renewal).
//   Reconciling  True while work is pending: first seen, issuing, retrying, waiting for a hand-back
//                or for something expected to come back (a profile, the rate-limit window).
//   Stalled      True for a refusal only a change can lift (policy, spec, ownership, the CA's 4xx,
//                a revoked certificate).
//   Issuing      True while a person acts on a published CSR (hand-off).
//   ExpiryNotice True inside the expiry notice window of the held certificate.
// Every condition and status.observedGeneration carry the generation this reconcile acted on.
import { DEFAULT_EXPIRY_NOTICE, parseDuration } from "../../api/duration.ts";
import { lifetimeMs, noticeWindowMs } from "../../pki/notice-window.ts";
import type { CertificateStatus } from "../../api/certificate.ts";
import { ConditionTypes, getCondition, isConditionTrue, setCondition, type Condition, type ConditionInput } from "../../api/conditions.ts";
import type { RevocationReason } from "../../pki/crl.ts";
import type { CertificateInfo } from "../../pki/inspect.ts";
import { refusedRequestRecord, type RequestInputs } from "./refused-request.ts";
import { markExpired, markRevoked } from "./revocation.ts";
import { failedStatus, issuedStatus, observedStatus, readyMessage } from "./status.ts";

export const CONDITION = { ...ConditionTypes, ExpiryNotice: "ExpiryNotice" } as const;

type Info = Pick<CertificateInfo, "serialNumber" | "notBefore" | "notAfter" | "fingerprintSHA256">;

/** What a reconcile did, as far as status is concerned. */
export type Outcome =
  /** A new certificate is in the Secret (issued, handed back, or found after an interrupted write). */
  | { kind: "issued"; info: Info; renewalTime: Date; revision: number; renewalRequestId?: string; superseded?: { serial: string; at: Date } }
  /** The Secret holds a valid certificate that matches the spec. */
  | { kind: "upToDate"; info: Info; renewalTime: Date; renewalRequestId?: string }
  /**
   * Nothing is done until something changes; stalled when only a change of spec (or of the CA's
   * answer) helps. `recheck`: the authority refused this request, which is not sent again before afterMs.
   */
  | { kind: "refused"; reason: string; message: string; stalled: boolean; recheck?: { inputs: RequestInputs; afterMs: number } }
  /** A failure that retries with back-off. */
  | { kind: "failed"; reason: string; message: string }
  /** Hand-off: a CSR is published and a person is expected to hand the certificate back. */
  | { kind: "awaiting"; reason: string; message: string }
  /** The current certificate is revoked (now, when `at` is given). */
  | { kind: "revoked"; serial: string; reason: RevocationReason; at?: Date }
  /** First sight, before a remote authority is asked (that may take a while). */
  | { kind: "started"; message: string };

export interface Look {
  generation: number;
  now: Date;
  /** The profile's defaults.expiryNotice; unset, the window scales with the lifetime (pki/notice-window.ts). */
  explicitNoticeMs?: number | undefined;
}

const DEFAULT_NOTICE_MS = parseDuration(DEFAULT_EXPIRY_NOTICE);

/** The expiry notice window before notAfter of the certificate this status describes. */
export function noticeMsFor(s: Pick<CertificateStatus, "notBefore" | "notAfter">, look: Pick<Look, "explicitNoticeMs">): number {
  return noticeWindowMs({ explicitMs: look.explicitNoticeMs, defaultMs: DEFAULT_NOTICE_MS, lifetimeMs: lifetimeMs(s.notBefore, s.notAfter) });
}

export function statusFor(stored: CertificateStatus, outcome: Outcome, look: Look): CertificateStatus {
  const { now } = look;
  const facts = { ...factsFor(stored, outcome, now), refusedRequest: refusedRequestFor(stored, outcome, now) };
  const conds = conditionsFor(stored, outcome, look);
  const expiry = expiryNotice(facts, outcome, look);
  let conditions = facts.conditions;
  for (const c of [...conds, ...(expiry ? [expiry] : [])]) conditions = setCondition(conditions, { ...c, observedGeneration: look.generation }, now);
  // A condition this reconcile did not set is still the judgement of this generation (each is re-derived above).
  conditions = conditions?.map((c) => ({ ...c, observedGeneration: look.generation }));
  return { ...facts, conditions, observedGeneration: look.generation };
}

/** The refused request is remembered until anything else happens to the Certificate. */
function refusedRequestFor(stored: CertificateStatus, o: Outcome, now: Date): CertificateStatus["refusedRequest"] {
  if (o.kind === "refused") return o.recheck ? refusedRequestRecord(o.recheck.inputs, now, o.recheck.afterMs) : undefined;
  return o.kind === "awaiting" || o.kind === "started" ? stored.refusedRequest : undefined;
}

/** The status fields other than conditions. */
function factsFor(stored: CertificateStatus, o: Outcome, now: Date): CertificateStatus {
  switch (o.kind) {
    case "issued": {
      let s = issuedStatus(stored, o.info as CertificateInfo, o.renewalTime, { renewalRequestId: o.renewalRequestId, revision: o.revision, issuedAt: now });
      if (o.superseded) s = markRevoked(s, o.superseded.serial, "superseded", o.superseded.at);
      return markExpired(s, now);
    }
    case "upToDate": {
      const s = markExpired(observedStatus(stored, o.info as CertificateInfo, o.renewalTime), now);
      return o.renewalRequestId ? { ...s, lastRenewalRequestId: o.renewalRequestId } : s;
    }
    case "failed":
      return failedStatus(stored, now).status;
    case "refused":
      return clearFailures(stored);
    case "revoked":
      return clearFailures(o.at ? markRevoked(stored, o.serial, o.reason, o.at) : stored);
    case "awaiting":
    case "started":
      return stored;
  }
}

type Cond = Omit<ConditionInput, "observedGeneration">;
const t = (type: string, reason: string, message: string): Cond => ({ type, status: "True", reason, message });
const f = (type: string, reason: string, message: string): Cond => ({ type, status: "False", reason, message });

function conditionsFor(stored: CertificateStatus, o: Outcome, look: Look): Cond[] {
  const { Ready, Reconciling, Stalled, Issuing } = CONDITION;
  const done = (reason: string, message: string) => [f(Reconciling, reason, message), f(Stalled, reason, message)];
  switch (o.kind) {
    case "issued":
    case "upToDate": {
      const message = readyMessage(o.info);
      const issuing = getCondition(stored.conditions, Issuing) ? [f(Issuing, "Issued", "issued")] : [];
      return [t(Ready, "Issued", message), ...done("Issued", message), ...issuing];
    }
    case "refused":
      return o.stalled
        ? [f(Ready, o.reason, o.message), f(Reconciling, o.reason, o.message), t(Stalled, o.reason, o.message)]
        : [f(Ready, o.reason, o.message), t(Reconciling, o.reason, o.message), f(Stalled, o.reason, o.message)];
    case "failed": {
      const s = failedStatus(stored, look.now).status;
      const message = `${o.message} (attempt ${s.failedIssuanceAttempts}, next retry ${s.nextRetryTime})`;
      return [f(Ready, o.reason, message), t(Reconciling, o.reason, message), f(Stalled, o.reason, message)];
    }
    case "awaiting": {
      // Ready stays True while the certificate held is still valid: a renewal is not an outage.
      const ready = holdsValid(stored, look.now) ? [] : [f(Ready, o.reason, o.message)];
      return [...ready, t(Issuing, o.reason, o.message), t(Reconciling, o.reason, o.message), f(Stalled, o.reason, o.message)];
    }
    case "revoked": {
      const message = `certificate ${o.serial} is revoked (${o.reason}); remove spec.revocation to get a new one`;
      return [f(Ready, "Revoked", message), f(Reconciling, "Revoked", message), t(Stalled, "Revoked", message)];
    }
    case "started": {
      const ready = getCondition(stored.conditions, Ready) ? [] : [{ type: Ready, status: "Unknown" as const, reason: "Issuing", message: o.message }];
      return [...ready, t(Reconciling, "Issuing", o.message), f(Stalled, "Issuing", o.message)];
    }
  }
}

/** ExpiryNotice for the certificate the status describes; none while no certificate was ever held. */
function expiryNotice(s: CertificateStatus, o: Outcome, look: Look): Cond | undefined {
  if (!s.notAfter) return undefined;
  if (o.kind === "revoked") return f(CONDITION.ExpiryNotice, "Revoked", "the certificate is revoked");
  const notAfter = new Date(s.notAfter);
  return inNoticeWindow(s, look)
    ? t(CONDITION.ExpiryNotice, "ExpiresSoon", `expires at ${notAfter.toISOString()}`)
    : f(CONDITION.ExpiryNotice, "NotDue", "outside the expiry notice window");
}

export function inNoticeWindow(s: Pick<CertificateStatus, "notBefore" | "notAfter">, look: Pick<Look, "now" | "explicitNoticeMs">): boolean {
  return s.notAfter !== undefined && look.now.getTime() >= Date.parse(s.notAfter) - noticeMsFor(s, look);
}

/** The status says a certificate is served and it has not expired. */
export function holdsValid(s: CertificateStatus, now: Date): boolean {
  return s.notAfter !== undefined && new Date(s.notAfter) > now && isConditionTrue(s.conditions, CONDITION.Ready);
}

/** ExpiryNotice turned True with this status: the moment for the Warning Event. */
export function enteredNoticeWindow(before: CertificateStatus, after: CertificateStatus): boolean {
  return !isTrue(before.conditions, CONDITION.ExpiryNotice) && isTrue(after.conditions, CONDITION.ExpiryNotice);
}

function isTrue(conditions: Condition[] | undefined, type: string): boolean {
  return isConditionTrue(conditions, type);
}

/** A refusal is not a failure: the back-off fields of earlier failures go. */
function clearFailures(status: CertificateStatus): CertificateStatus {
  return { ...status, failedIssuanceAttempts: undefined, lastFailureTime: undefined, nextRetryTime: undefined };
}
