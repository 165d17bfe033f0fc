// Whether a CA certificate may sign now, and whether a leaf fits inside its validity. Pure: the
// caller passes the time. The profile and every Certificate that uses it show the same reasons.
import { DEFAULT_DURATION, DEFAULT_EXPIRY_NOTICE, parseDuration } from "../api/duration.ts";
import { toRFC3339 } from "../api/conditions.ts";
import { ConnectorError } from "./connector.ts";

/** Condition reasons for a CA that cannot (or soon will not) sign. */
export const CAReason = {
  /** The CA certificate's notAfter has passed: nothing is issued until it is replaced. */
  Expired: "CAExpired",
  /** The CA certificate's notBefore is still ahead: nothing is issued until then. */
  NotYetValid: "CANotYetValid",
  /** tls.key is not the private key of tls.crt. */
  KeyMismatch: "CAKeyMismatch",
  /** tls.crt/tls.key missing or not a CA certificate. */
  Invalid: "CAInvalid",
  /** Warning only: the CA is inside its notice window. */
  ExpiringSoon: "CAExpiringSoon",
  /** A requested leaf would end after the CA does: refused, never shortened. */
  DurationExceedsCA: "DurationExceedsCA",
} as const;

const CA_REASONS: ReadonlySet<string> = new Set([CAReason.Expired, CAReason.NotYetValid, CAReason.KeyMismatch, CAReason.Invalid, CAReason.DurationExceedsCA]);

/**
 * True for the refusals only a change fixes (a new CA, time reaching notBefore, a shorter
 * duration): show e.reason and wait for the profile or the Certificate to change, no back-off loop.
 */
export function isCaRefusal(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError && !e.retryable && CA_REASONS.has(e.reason);
}

export interface CaValidity {
  notBefore: Date;
  notAfter: Date;
}

/** A CA that cannot sign at this time. Not retryable: only time passing or a new CA changes it. */
export class CaValidityError extends ConnectorError {
  readonly validity: CaValidity;

  constructor(reason: string, message: string, validity: CaValidity) {
    super(reason, message, false);
    this.name = "CaValidityError";
    this.validity = validity;
  }
}

/** Why the CA cannot sign at `now` (named `what`, e.g. "CA Secret my-ca"), or undefined when it can. */
export function caValidityError(what: string, v: CaValidity, now: Date): CaValidityError | undefined {
  if (now.getTime() < v.notBefore.getTime()) {
    return new CaValidityError(CAReason.NotYetValid, `${what}: the CA certificate is not valid before ${toRFC3339(v.notBefore)}; nothing is issued until then`, v);
  }
  if (now.getTime() > v.notAfter.getTime()) {
    return new CaValidityError(CAReason.Expired, `${what}: the CA certificate expired at ${toRFC3339(v.notAfter)}; replace tls.crt and tls.key with a valid CA`, v);
  }
  return undefined;
}

/** True when a leaf ending at leafNotAfter would outlive the CA. */
export function leafExceedsCa(leafNotAfter: Date, ca: Pick<CaValidity, "notAfter">): boolean {
  return leafNotAfter.getTime() > ca.notAfter.getTime();
}

/**
 * The refusal for a leaf that would outlive its CA, or undefined when it fits. Refused rather
 * than shortened: a shortened certificate never equals the request, so exact-issuance checks
 * would re-issue it on every look, and a silent cut would move renewal times without a word.
 */
export function leafWithinCaError(leaf: { notBefore: Date; notAfter: Date }, ca: Pick<CaValidity, "notAfter">): ConnectorError | undefined {
  if (!leafExceedsCa(leaf.notAfter, ca)) return undefined;
  const hours = Math.max(0, Math.floor((ca.notAfter.getTime() - leaf.notBefore.getTime()) / 3_600_000));
  return new ConnectorError(
    CAReason.DurationExceedsCA,
    `the requested notAfter ${toRFC3339(leaf.notAfter)} is after the CA certificate's notAfter ${toRFC3339(ca.notAfter)}: ` +
      `request at most ${hours}h, or renew the CA`,
    false,
  );
}

/**
 * How long before the CA's notAfter the profile warns: the longer of the profile's expiry notice
 * (default 60 days) and its default certificate duration (default 8400h). From that point a
 * certificate of the default duration no longer fits and is refused (DurationExceedsCA).
 */
export function caNoticeWindowMs(defaults: { expiryNotice?: string | undefined; duration?: string | undefined } | undefined): number {
  return Math.max(parseDuration(defaults?.expiryNotice ?? DEFAULT_EXPIRY_NOTICE), parseDuration(defaults?.duration ?? DEFAULT_DURATION));
}

/** Where `now` stands relative to the CA's notice window. */
export function caNoticeState(v: CaValidity, noticeMs: number, now: Date): { inWindow: boolean; noticeStart: Date } {
  const noticeStart = new Date(v.notAfter.getTime() - noticeMs);
  return { inWindow: now.getTime() >= noticeStart.getTime(), noticeStart };
}
