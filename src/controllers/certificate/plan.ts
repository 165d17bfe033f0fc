// The pure heart of the Certificate reconciler: from the facts gather() read, choose the one
// action this reconcile takes (and whether the finalizer changes on the way). Every decision of
// the reconciler is made here, in the order below, so the whole table is tested without a cluster.
import type { CertificateStatus } from "../../api/certificate.ts";
import { toRFC3339 } from "../../api/conditions.ts";
import { isCaRefusal } from "../../connectors/ca-validity.ts";
import { ConnectorError } from "../../connectors/connector.ts";
import type { RevocationReason } from "../../pki/crl.ts";
import type { CsrInfo } from "../../pki/csr.ts";
import { DEFAULT_MAX_ISSUANCES_PER_HOUR, issuanceRate } from "../../policy/issuance-rate.ts";
import type { Refusal } from "../profiles/resolve-profile.ts";
import { decide, type Decision, type Existing } from "./decide.ts";
import type { DesiredRequest } from "./desired.ts";
import type { HandOffState } from "./hand-off.ts";
import type { Ownership } from "./ownership.ts";
import { refusalRecheckRemaining, requestInputs, type RequestInputs } from "./refused-request.ts";
import { revokedReasonOf } from "./revocation.ts";
import type { SecretRecord } from "./secret-record.ts";

/** A refusal of the authority that is not about its CA is asked again hourly: it may change outside the spec. */
export const AUTHORITY_REFUSAL_RECHECK_MS = 3_600_000;

export interface ProfileFacts {
  kind: "RAProfile" | "ClusterRAProfile";
  name: string;
  /** metadata.generation: a refused request is sent again at once under a changed profile. */
  generation?: number;
  onDelete: "Revoke" | "Retain";
  onSupersede: "Revoke" | "Retain";
  maxIssuancesPerHour?: number;
  /** When the profile's Ready last turned True: an authority that answered again ends a back-off. */
  readySince?: string;
}

export interface AuthorityFacts {
  type: string;
  canRevoke: boolean;
  handOff: boolean;
  /** Reached over the network (may take a while): a first status is written before it is asked. */
  remote: boolean;
  /** prepare() failed: the authority cannot issue now. */
  caError?: unknown;
}

export type Admission =
  | { refusal: { reason: string; message: string } }
  /** Something the spec references is missing (e.g. the CSR Secret): retried with back-off. */
  | { failure: { reason: string; message: string } }
  | { desired: DesiredRequest; csr?: CsrInfo };

export interface SecretFacts {
  ownership: Ownership;
  /** What the Secret holds (undefined: no Secret). */
  existing?: NonNullable<Existing["secret"]>;
  record?: SecretRecord;
  /** ca.crt, keystore or JWKS are missing, unwanted or no longer what certwright wrote. */
  outputsStale: boolean;
}

export interface HandOffFacts {
  requestName: string;
  /** What a person is asked to do with the published CSR (with the profile's instructions). */
  ask: string;
  ownership: Ownership;
  state: HandOffState;
}

export interface Facts {
  generation: number;
  status: CertificateStatus;
  /** The object does not parse as a Certificate (the API server's schema should have refused it). */
  invalidSpec?: string;
  deleting?: boolean;
  hasFinalizer?: boolean;
  profile?: ProfileFacts | Refusal;
  /** spec.revocation.reason, when revocation is requested. */
  revocation?: RevocationReason;
  admission?: Admission;
  authority?: AuthorityFacts;
  secret?: SecretFacts;
  handOff?: HandOffFacts;
}

type Refuse = {
  do: "refuse";
  reason: string;
  message: string;
  stalled: boolean;
  requeueAfterMs?: number;
  /** The refused request, remembered in status so it is not sent again before requeueAfterMs passes. */
  recheck?: RequestInputs;
};
type IssueDecision = Extract<Decision, { action: "issue" }>;

export type Action =
  | { do: "nothing"; requeueAfterMs?: number }
  | Refuse
  | { do: "fail"; reason: string; message: string }
  | { do: "finalize"; revoke?: string; skipped?: string }
  | { do: "revokeCurrent"; serial: string; reason: RevocationReason }
  | { do: "showRevoked"; serial: string; reason: RevocationReason }
  | { do: "recordInterrupted" }
  | { do: "upToDate"; renewalTime: Date; refreshOutputs: boolean }
  | { do: "authorityDown"; error: unknown }
  | { do: "issue"; decision: IssueDecision }
  | { do: "publishRequest"; decision: IssueDecision; requestName: string; ask: string }
  | { do: "awaitHandBack"; reason: "AwaitingCertificate" | "HandedBackCertificateInvalid"; message: string; invalid?: string }
  | { do: "acceptHandBack"; requestName: string; state: Extract<HandOffState, { kind: "handedBack" }> };

export interface Plan {
  finalizer?: "add" | "remove";
  /** Write a first status (Reconciling=True) before the action: a remote authority is about to be asked. */
  announce?: boolean;
  action: Action;
}

export const REVOKE_ON_DELETE = "Revoke";

export function plan(f: Facts, now: Date): Plan {
  if (f.invalidSpec !== undefined) return { action: refuse("InvalidSpec", f.invalidSpec, true) };
  if (f.deleting) return { action: finalize(f) };
  const profile = f.profile;
  if (!profile) return { action: { do: "nothing" } };
  if ("reason" in profile) return { action: refuse(profile.reason, profile.message, stalledProfileRefusal(profile.reason)) };
  const wanted = profile.onDelete === REVOKE_ON_DELETE;
  const finalizer = f.hasFinalizer === wanted ? undefined : wanted ? "add" : "remove";
  const action = planWithProfile(f, profile, now);
  const announce = action.do === "issue" && f.authority?.remote === true && !f.status.conditions?.length;
  return { ...(finalizer ? { finalizer } : {}), ...(announce ? { announce } : {}), action };
}

function planWithProfile(f: Facts, profile: ProfileFacts, now: Date): Action {
  const a = f.admission;
  if (!a) return { do: "nothing" };
  if ("refusal" in a) return refuse(a.refusal.reason, a.refusal.message, true);
  if ("failure" in a) return { do: "fail", ...a.failure };
  if (f.revocation) return planRevocation(f, profile, f.revocation);
  return planIssuance(f, profile, a.desired, now);
}

function planIssuance(f: Facts, profile: ProfileFacts, desired: DesiredRequest, now: Date): Action {
  const secret = f.secret;
  const authority = f.authority;
  if (!secret || !authority) return { do: "nothing" };
  if (!secret.ownership.owned) return refuse(secret.ownership.reason, secret.ownership.message, true);
  if (interrupted(f.status, secret)) return { do: "recordInterrupted" };
  const leaf = secret.existing?.certificate;
  const replacedByOther = secret.record !== undefined && leaf !== undefined && secret.record.serialNumber !== leaf.serialNumber;
  const existing = secret.existing && { ...secret.existing, replacedByOther };
  const decision = decide(desired, { secret: existing, lastRenewalRequestId: f.status.lastRenewalRequestId, revokedReason: revokedReasonOf(f.status, leaf?.serialNumber) }, now);
  if (decision.action === "upToDate") return { do: "upToDate", renewalTime: decision.renewalTime, refreshOutputs: secret.outputsStale };
  return planIssue(f, profile, authority, decision, now);
}

function planIssue(f: Facts, profile: ProfileFacts, authority: AuthorityFacts, decision: IssueDecision, now: Date): Action {
  const wait = backoffRemaining(f, profile, now) ?? refusedRemaining(f, profile, now);
  if (wait !== undefined) return { do: "nothing", requeueAfterMs: wait };
  if (authority.caError !== undefined) return authorityFailed(authority.caError);
  const limited = rateLimit(f.status, profile, decision.message, now);
  if (limited) return limited;
  if (authority.handOff) return planHandOff(f.handOff, decision);
  return { do: "issue", decision };
}

function finalize(f: Facts): Action {
  if (!f.hasFinalizer) return { do: "nothing" };
  const serial = f.status.serialNumber;
  if (!serial || revokedReasonOf(f.status, serial)) return { do: "finalize" };
  const profile = f.profile;
  if (!profile || "reason" in profile) return { do: "finalize", skipped: serial };
  return { do: "finalize", revoke: serial };
}

function planRevocation(f: Facts, profile: ProfileFacts, reason: RevocationReason): Action {
  const serial = f.status.serialNumber;
  if (!serial) return refuse("RevocationRequested", "revocation requested, but no certificate was issued: nothing to revoke", true);
  const already = revokedReasonOf(f.status, serial);
  if (already) return { do: "showRevoked", serial, reason: already };
  if (!f.authority?.canRevoke) {
    return refuse("RevocationNotSupported", `the ${f.authority?.type ?? "profile's"} connector of ${profile.kind} ${profile.name} cannot revoke; serial ${serial} is still valid`, true);
  }
  return { do: "revokeCurrent", serial, reason };
}

function planHandOff(h: HandOffFacts | undefined, decision: IssueDecision): Action {
  if (!h) return { do: "nothing" };
  if (!h.ownership.owned) return refuse(h.ownership.reason, h.ownership.message, true);
  switch (h.state.kind) {
    case "publish":
      return { do: "publishRequest", decision, requestName: h.requestName, ask: h.ask };
    case "waiting":
      return { do: "awaitHandBack", reason: "AwaitingCertificate", message: `waiting for the certificate: ${h.ask}` };
    case "invalid":
      return { do: "awaitHandBack", reason: "HandedBackCertificateInvalid", message: `${h.state.message}; ${h.ask}`, invalid: h.state.message };
    case "handedBack":
      return { do: "acceptHandBack", requestName: h.requestName, state: h.state };
  }
}

/**
 * The Secret holds a certificate certwright wrote (its record says so) that the status does not
 * list: the process stopped between the Secret write and the status write.
 */
export function interrupted(status: CertificateStatus, secret: SecretFacts): boolean {
  const leaf = secret.existing?.certificate;
  const record = secret.record;
  if (!leaf || !record || record.serialNumber !== leaf.serialNumber || status.serialNumber === leaf.serialNumber) return false;
  return !status.history?.some((h) => h.serialNumber === leaf.serialNumber);
}

/**
 * A CA that refuses a request as written (expired, key mismatch, duration beyond the CA) is a
 * refusal: it waits for a change (the profile re-checks its CA and re-queues its Certificates).
 * Anything else the authority refused (credentials, its own configuration) may change outside
 * the spec, so it is asked again hourly; `sent` names a request the authority refused, which
 * status then remembers so no other reconcile sends it again before then. Every other failure
 * backs off.
 */
export function authorityFailed(e: unknown, sent?: RequestInputs): Refuse | { do: "authorityDown"; error: unknown } {
  if (e instanceof ConnectorError && !e.retryable) {
    const { reason } = e;
    if (isCaRefusal(e)) return refuse(reason, safeMessage(e), true);
    const r = refuse(reason, safeMessage(e), true, AUTHORITY_REFUSAL_RECHECK_MS);
    return sent ? { ...r, recheck: sent } : r;
  }
  return { do: "authorityDown", error: e };
}

/** The request the authority refused last (status.refusedRequest) is not due again yet. */
function refusedRemaining(f: Facts, profile: ProfileFacts, now: Date): number | undefined {
  const a = f.admission;
  if (!f.status.refusedRequest || !a || !("desired" in a)) return undefined;
  const inputs = requestInputs(f.generation, profile.generation ?? 0, a.desired, a.csr);
  return refusalRecheckRemaining(f.status.refusedRequest, inputs, profile.readySince, now);
}

/**
 * While a failure back-off is running for this generation, wait it out, unless the profile's
 * authority has answered again since the failure.
 */
function backoffRemaining(f: Facts, profile: ProfileFacts, now: Date): number | undefined {
  const s = f.status;
  if (!s.failedIssuanceAttempts || !s.nextRetryTime || s.observedGeneration !== f.generation) return undefined;
  if (profile.readySince && s.lastFailureTime && Date.parse(profile.readySince) > Date.parse(s.lastFailureTime)) return undefined;
  const left = new Date(s.nextRetryTime).getTime() - now.getTime();
  return left > 0 ? left : undefined;
}

/** The loop safety net: too many issuances in the last hour stop this one until the window frees. */
function rateLimit(status: CertificateStatus, profile: ProfileFacts, why: string, now: Date): Refuse | undefined {
  const max = profile.maxIssuancesPerHour ?? DEFAULT_MAX_ISSUANCES_PER_HOUR;
  const rate = issuanceRate((status.history ?? []).map((h) => h.issuedAt), now, max);
  if (!rate.limited) return undefined;
  const message = `${rate.count} issuances in the last hour reach the limit of ${max} set by ${profile.kind} ${profile.name} (policy.maxIssuancesPerHour); ${why}; next attempt at ${toRFC3339(rate.retryAt!)}`;
  return refuse("IssuanceRateLimited", message, false, rate.retryAt!.getTime() - now.getTime());
}

/** A missing profile may still come; a profile that says no (or is broken) needs a change. */
function stalledProfileRefusal(reason: Refusal["reason"]): boolean {
  return reason !== "ProfileNotFound";
}

function refuse(reason: string, message: string, stalled: boolean, requeueAfterMs?: number): Refuse {
  return requeueAfterMs === undefined ? { do: "refuse", reason, message, stalled } : { do: "refuse", reason, message, stalled, requeueAfterMs };
}

/** Error text fit for status and events: the message only, never a stack or a payload. */
export function safeMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.includes("PRIVATE KEY") ? "issuance failed (details withheld: they contained key material)" : m.slice(0, 1000);
}
