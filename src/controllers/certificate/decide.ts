// The pure heart of the Certificate reconciler: given what is wanted and what exists, decide one
// action. Each trigger is a small rule returning a reason or nothing (cert-manager's policy chain),
// so the table of situations is tested without a cluster.
import type { CertificateInfo } from "../../pki/inspect.ts";
import type { KeySpec } from "../../pki/keys.ts";
import { computeRenewalTime } from "../../pki/renewal.ts";
import { SAN_KINDS, sanKey, type SanKind } from "../../pki/san.ts";
import type { SanSpec } from "../../pki/subject.ts";
import type { CertificateType } from "../../pki/usages.ts";

export interface Desired {
  type: CertificateType;
  /** Canonical subject string, as pki's describeSubject renders it. */
  subject: string;
  sans: SanSpec;
  key: KeySpec;
  durationMs: number;
  renewBeforeMs: number;
  rotationPolicy: "Always" | "Never";
  external: boolean;
  renewalRequest?: { id: string; rekey: boolean };
  /**
   * False when the authority decides validity and subject itself (ACME): then neither is compared,
   * or every reconcile would re-issue.
   */
  exactAuthority?: boolean;
}

export interface Existing {
  /** Undefined when the Secret does not exist. */
  secret?: {
    hasCertificate: boolean;
    hasKey: boolean;
    /** Undefined when tls.crt does not parse. */
    certificate?: CertificateInfo & { subjectCanonical: string };
    keyMatchesCertificate: boolean;
    key?: KeySpec;
    issuedByCurrentCa: boolean;
    usagesMatchType: boolean;
    /** The Secret records a different certificate than it holds: someone replaced tls.crt. */
    replacedByOther?: boolean;
  };
  lastRenewalRequestId?: string;
  /** A revoked certificate is never served again; keyCompromise forbids reusing its key. */
  revokedReason?: string;
}

export type IssueReason =
  | "DoesNotExist"
  | "MissingData"
  | "InvalidCertificate"
  | "Replaced"
  | "KeyMismatch"
  | "IncorrectIssuer"
  | "SpecChanged"
  | "Revoked"
  | "RenewalRequested"
  | "Expiring";

export type Decision =
  | { action: "issue"; reason: IssueReason; message: string; reuseKey: boolean }
  | { action: "upToDate"; renewalTime: Date };

type Trigger = (d: Desired, e: Existing, now: Date) => { reason: IssueReason; message: string } | undefined;

const secretMissing: Trigger = (_d, e) =>
  e.secret ? undefined : { reason: "DoesNotExist", message: "the Secret does not exist" };

const dataMissing: Trigger = (d, e) => {
  if (!e.secret?.hasCertificate) return { reason: "MissingData", message: "the Secret has no tls.crt" };
  if (!d.external && !e.secret.hasKey) return { reason: "MissingData", message: "the Secret has no tls.key" };
  return undefined;
};

const certificateInvalid: Trigger = (_d, e) =>
  e.secret?.certificate ? undefined : { reason: "InvalidCertificate", message: "tls.crt does not hold a valid certificate" };

const keyMismatch: Trigger = (d, e) =>
  d.external || e.secret?.keyMatchesCertificate ? undefined : { reason: "KeyMismatch", message: "tls.key does not match tls.crt" };

const wrongIssuer: Trigger = (_d, e) =>
  e.secret?.issuedByCurrentCa ? undefined : { reason: "IncorrectIssuer", message: "the certificate was not issued by the profile's CA" };

const replaced: Trigger = (_d, e) =>
  e.secret?.replacedByOther ? { reason: "Replaced", message: "tls.crt holds a certificate certwright did not write there" } : undefined;

const revoked: Trigger = (_d, e) =>
  e.revokedReason ? { reason: "Revoked", message: `the certificate was revoked (${e.revokedReason})` } : undefined;

const specChanged: Trigger = (d, e) => {
  const c = e.secret?.certificate;
  if (!c) return undefined;
  const diff = specDifferences(d, e);
  return diff.length ? { reason: "SpecChanged", message: `the certificate no longer matches the spec: ${diff.join(", ")}` } : undefined;
};

const renewalRequested: Trigger = (d, e) =>
  d.renewalRequest && d.renewalRequest.id !== e.lastRenewalRequestId
    ? { reason: "RenewalRequested", message: `renewal requested (id ${d.renewalRequest.id})` }
    : undefined;

const expiring: Trigger = (d, e, now) => {
  const c = e.secret?.certificate;
  if (!c) return undefined;
  return now >= renewalTimeOf(c, d.renewBeforeMs)
    ? { reason: "Expiring", message: `the certificate expires at ${c.notAfter.toISOString()} and is due for renewal` }
    : undefined;
};

const TRIGGERS: Trigger[] = [
  secretMissing,
  dataMissing,
  certificateInvalid,
  keyMismatch,
  wrongIssuer,
  replaced,
  revoked,
  specChanged,
  renewalRequested,
  expiring,
];

export function decide(d: Desired, e: Existing, now: Date): Decision {
  for (const trigger of TRIGGERS) {
    const hit = trigger(d, e, now);
    if (hit) return { action: "issue", ...hit, reuseKey: mayReuseKey(d, e, hit.reason) };
  }
  return { action: "upToDate", renewalTime: renewalTimeOf(e.secret!.certificate!, d.renewBeforeMs) };
}

/** Same key only when the policy says Never, the key is intact and still what the spec asks for. */
function mayReuseKey(d: Desired, e: Existing, reason: IssueReason): boolean {
  const forbidden =
    d.external ||
    d.rotationPolicy !== "Never" ||
    (d.renewalRequest?.rekey === true && reason === "RenewalRequested") ||
    e.revokedReason === "keyCompromise";
  const k = e.secret?.hasKey ? e.secret.key : undefined;
  return !forbidden && k !== undefined && sameKeySpec(k, d.key);
}

function sameKeySpec(a: KeySpec, b: KeySpec): boolean {
  return a.algorithm === b.algorithm && (a.size ?? 0) === (b.size ?? 0);
}

export function specDifferences(d: Desired, e: Existing): string[] {
  const c = e.secret?.certificate;
  if (!c) return [];
  const checks: [string, boolean][] = [
    ["subject", d.exactAuthority !== false && c.subjectCanonical !== d.subject],
    ...SAN_KINDS.map((k): [string, boolean] => [k, !namesFit(k, c.sans[k], d.sans[k], d.exactAuthority !== false)]),
    ["type", !e.secret?.usagesMatchType],
    ["duration", d.exactAuthority !== false && c.notAfter.getTime() - c.notBefore.getTime() !== d.durationMs],
    ["privateKey", !d.external && e.secret?.key !== undefined && !sameKeySpec(e.secret.key, d.key)],
  ];
  return checks.filter(([, differs]) => differs).map(([name]) => name);
}

/** Our CA issues exactly the names asked; another authority may add some (e.g. the CN as a DNS name). */
function namesFit(kind: SanKind, have: string[] | undefined, want: string[] | undefined, exact: boolean): boolean {
  // The same keys canonicalSans dedupes by, so a spec and its certificate compare equal.
  const norm = (xs: string[] | undefined) => [...new Set((xs ?? []).map((x) => sanKey(kind, x)))].sort();
  const h = norm(have);
  const w = norm(want);
  return exact ? h.join("\n") === w.join("\n") : w.every((x) => h.includes(x));
}

export function renewalTimeOf(c: Pick<CertificateInfo, "notBefore" | "notAfter">, renewBeforeMs: number): Date {
  return computeRenewalTime(c.notBefore, c.notAfter, renewBeforeMs);
}
