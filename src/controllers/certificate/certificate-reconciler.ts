// Reconciles one Certificate: read from caches, refuse early with a clear condition, gather the
// Secret's facts, let decide() pick one action, then write at most the Secret and the status.
// Renewal is a requeue at the renewal time, never a sweep. Revocation, the delete finalizer,
// keystore/JWKS outputs and the expiry notice hang off the same flow.
import type { CertificateStatus } from "../../api/certificate.ts";
import { getCondition, isConditionTrue, setCondition, toRFC3339, type ConditionInput } from "../../api/conditions.ts";
import { DEFAULT_EXPIRY_NOTICE, parseDuration } from "../../api/duration.ts";
import { parseCertificate, type Certificate } from "../../api/resources.ts";
import { isCaRefusal } from "../../connectors/ca-validity.ts";
import { ConnectorError, type Connector } from "../../connectors/connector.ts";
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { FreshView } from "../../kube/fresh-view.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import { SECRETS } from "../../kube/resources.ts";
import { decodeSecretData } from "../../kube/secret-store.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { RevocationReason } from "../../pki/crl.ts";
import { CsrError, parseAndVerifyCsr, type CsrInfo } from "../../pki/csr.ts";
import { inspectCertificate, leafOfBundle, splitPemBundle, type CertificateInfo } from "../../pki/inspect.ts";
import { lifetimeMs, noticeWindowMs } from "../../pki/notice-window.ts";
import { buildCsr } from "../../pki/csr.ts";
import { generatePrivateKey } from "../../pki/keys.ts";
import { evaluatePolicy } from "../../policy/evaluate.ts";
import { infeasibility } from "../../policy/feasibility.ts";
import { ISSUED_CERTIFICATE_MISMATCH, issuedDifferences } from "../../pki/issued-differences.ts";
import { checkNameEncoding } from "../../pki/name-encoding.ts";
import { DEFAULT_MAX_ISSUANCES_PER_HOUR, issuanceRate } from "../../policy/issuance-rate.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import type { EventSink } from "../../runtime/events.ts";
import { splitKey } from "../../runtime/keys.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { isRefusal, resolveProfile, type ProfileLookup, type ResolvedProfile } from "../profiles/resolve-profile.ts";
import { decide, renewalTimeOf, type Decision } from "./decide.ts";
import { desiredFrom, type DesiredRequest } from "./desired.ts";
import { existingFrom } from "./existing.ts";
import { issueCertificate } from "./issue.ts";
import { buildOutputs, OutputError, outputsOutOfDate, wantsKeystore } from "./outputs.ts";
import { markExpired, markRevoked, revokedReasonOf } from "./revocation.ts";
import { REQUEST_SUFFIX, judgeHandOff } from "./hand-off.ts";
import { judgeOwnership, type Ownership } from "./ownership.ts";
import { outputsDigest, readRecord, type SecretRecord } from "./secret-record.ts";
import type { CertificateDirectory } from "./secret-uses.ts";
import { writeCertificateSecret, writeRequestSecret } from "./secret-writer.ts";
import { failedStatus, issuedStatus, mergePatchOf, observedStatus, readyCondition, readyMessage, sameStatus } from "./status.ts";

/** Held while a Certificate must be revoked before it may go (profile revocation.onDelete: Revoke). */
export const REVOKE_ON_DELETE_FINALIZER = "certwright.dev/revoke-on-delete";

export interface CertificateReconcilerDeps {
  client: KubeClient;
  /** Caches seen through our own latest writes (see FreshView). */
  certificates: FreshView<KubeObject>;
  secrets: FreshView<SecretObject>;
  profiles: ProfileLookup;
  /** Who owns or relies on which Secret, from the caches (the RA boundary). */
  directory: CertificateDirectory;
  connectors: ConnectorRegistry;
  clock: Clock;
  events: EventSink;
  metrics?: Metrics;
  /** A certificate of this profile was revoked: its CRL must be republished. */
  onRevoked?(profile: ResolvedProfile): void;
  /** The profile's authority failed a Certificate: probe it now, so its Ready tells the truth. */
  onAuthorityFailing?(profile: ResolvedProfile): void;
}

interface Ctx {
  cert: Certificate;
  generation: number;
  /** The status as this reconcile has built it so far (starts as the stored one). */
  status: CertificateStatus;
  /** The stored status the next write patches from. */
  stored: CertificateStatus;
  /** resourceVersion of the Certificate the decisions were computed from (fences status writes). */
  resourceVersion: string | undefined;
  log: ReconcileContext["log"];
  signal: AbortSignal;
  /** The client for this reconcile: every call carries its signal (aborted on lost leadership). */
  kube: KubeClient;
  /** Throws unless this replica still leads: called before side effects outside Kubernetes. */
  assertLeader: () => void;
  /** The profile's defaults.expiryNotice, when it sets one (else the window scales with the lifetime). */
  explicitNoticeMs: number | undefined;
}

interface Current {
  secret: SecretObject | undefined;
  data: Record<string, string> | undefined;
  /** What certwright recorded on the Secret with its last write (secret-record.ts). */
  record: SecretRecord | undefined;
}

const DEFAULT_NOTICE_MS = parseDuration(DEFAULT_EXPIRY_NOTICE);
const noticeMsOf = (ctx: Ctx, s: CertificateStatus): number =>
  noticeWindowMs({ explicitMs: ctx.explicitNoticeMs, defaultMs: DEFAULT_NOTICE_MS, lifetimeMs: lifetimeMs(s.notBefore, s.notAfter) });
const AUTHORITY_REFUSAL_RECHECK_MS = 3_600_000;

export class CertificateReconciler implements Reconciler {
  private readonly d: CertificateReconcilerDeps;

  constructor(deps: CertificateReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, rc: ReconcileContext): Promise<ReconcileResult> {
    const raw = this.d.certificates.get(key);
    if (!raw) {
      const { namespace, name } = splitKey(key);
      this.d.metrics?.forgetCertificate(namespace ?? "", name);
      return {};
    }
    let cert: Certificate;
    try {
      cert = parseCertificate(raw);
    } catch (e) {
      // The API server's schema should have refused it; say why and wait for a change.
      const status = readyCondition(statusOf(raw), { ready: false, reason: "InvalidSpec", message: (e as Error).message, generation: gen(raw), now: this.now() });
      await this.writeStatus({ cert: raw as Certificate, stored: statusOf(raw), resourceVersion: raw.metadata.resourceVersion, signal: rc.signal, kube: this.d.client.withSignal(rc.signal), assertLeader: () => rc.assertLeader() }, status);
      return {};
    }
    const stored = cert.status ?? {};
    const ctx: Ctx = {
      cert, generation: gen(raw), status: stored, stored, resourceVersion: raw.metadata.resourceVersion, log: rc.log, signal: rc.signal,
      kube: this.d.client.withSignal(rc.signal), assertLeader: () => rc.assertLeader(), explicitNoticeMs: undefined,
    };
    const profile = resolveProfile(cert.spec.raProfileRef, cert.metadata.namespace ?? "", this.d.profiles);
    if (cert.metadata.deletionTimestamp) return this.finalize(ctx, isRefusal(profile) ? undefined : profile);
    if (isRefusal(profile)) return this.refuse(ctx, profile.reason, profile.message);
    return this.reconcileWithProfile(ctx, profile);
  }

  private async reconcileWithProfile(ctx: Ctx, profile: ResolvedProfile): Promise<ReconcileResult> {
    const cert = ctx.cert;
    const notice = profile.spec.defaults?.expiryNotice;
    if (notice) ctx.explicitNoticeMs = parseDuration(notice);
    await this.ensureFinalizer(ctx, profile.spec.revocation.onDelete === "Revoke");
    const admitted = await this.admit(ctx, profile);
    if ("result" in admitted) return admitted.result;
    if (cert.spec.revocation) return this.revokeCurrent(ctx, profile, cert.spec.revocation.reason);
    return this.reconcileIssued(ctx, profile, admitted.desired, admitted.csr);
  }

  /** The RA's judgement: external CSR read and verified, then the profile's policy. */
  private async admit(ctx: Ctx, profile: ResolvedProfile): Promise<{ desired: DesiredRequest; csr?: CsrInfo } | { result: ReconcileResult }> {
    const cert = ctx.cert;
    // Refuse external CSRs before reading one; the policy then judges what the CSR asks for.
    if (cert.spec.csrSecretRef && profile.spec.policy?.allowExternalCSR !== true) {
      const message = `refused by ${profile.kind} ${profile.name}: external CSRs are not allowed (policy.allowExternalCSR is false)`;
      return { result: await this.refuse(ctx, "ExternalCSRNotAllowed", message) };
    }
    let csr: CsrInfo | undefined;
    try {
      csr = await this.externalCsr(ctx);
    } catch (e) {
      if (e instanceof CsrError) return { result: await this.refuse(ctx, "InvalidCSR", `the CSR in Secret ${cert.spec.csrSecretRef?.name}: ${e.message}`) };
      // The referenced Secret may appear later: retry with back-off.
      if (e instanceof OutputError) return { result: await this.fail(ctx, e, e.reason) };
      throw e;
    }
    const desired = desiredFrom(cert.spec, profile.spec, csr);
    // Names are checked for what they will be encoded as before the policy judges them, so the
    // policy never judges a value other than the one the certificate would carry.
    const refusal = checkNameEncoding(desired.subjectSpec, desired.sans) ?? infeasibility(desired) ?? this.policyRefusal(profile, desired);
    if (refusal) return { result: await this.refuse(ctx, refusal.rule, csr ? `the external CSR: ${refusal.message}` : refusal.message) };
    return { desired, csr };
  }

  private policyRefusal(profile: ResolvedProfile, desired: DesiredRequest): { rule: string; message: string } | undefined {
    const violation = evaluatePolicy(profile.spec, {
      type: desired.type,
      subject: desired.subjectSpec,
      sans: { dnsNames: desired.sans.dnsNames ?? [], ipAddresses: desired.sans.ipAddresses ?? [], uris: desired.sans.uris ?? [], emailAddresses: desired.sans.emailAddresses ?? [] },
      key: { algorithm: desired.key.algorithm, size: desired.key.size },
      durationMs: desired.durationMs,
      external: desired.external,
    });
    return violation ? { rule: violation.rule, message: `refused by ${profile.kind} ${profile.name}: ${violation.message}` } : undefined;
  }

  private async reconcileIssued(ctx: Ctx, profile: ResolvedProfile, desired: DesiredRequest, csr: CsrInfo | undefined): Promise<ReconcileResult> {
    const secret = await this.currentSecret(ctx, ctx.cert.spec.secretName);
    const ownership = this.ownership(ctx.cert, ctx.cert.spec.secretName, secret);
    if (!ownership.owned) return this.refuse(ctx, ownership.reason, ownership.message);
    const current: Current = { secret, data: secret ? decodeSecretData(secret) : undefined, record: readRecord(secret) };
    const connector = this.d.connectors.get(profile);
    const { caPem, caError } = await prepareAuthority(connector, ctx.signal);
    desired.exactAuthority = connector.exactIssuance;
    const existing = await existingFrom(current.data, { type: desired.type, caPem, exactUsages: connector.exactIssuance });
    await this.recordInterruptedIssuance(ctx, profile, connector, current, existing?.certificate, desired);
    const now = this.now();
    const revokedReason = revokedReasonOf(ctx.status, existing?.certificate?.serialNumber);
    const written = current.record;
    const replaced = written !== undefined && existing?.certificate !== undefined && written.serialNumber !== existing.certificate.serialNumber;
    const decision = decide(desired, { secret: existing && { ...existing, replacedByOther: replaced }, lastRenewalRequestId: ctx.status.lastRenewalRequestId, revokedReason }, now);
    if (decision.action === "upToDate") return this.upToDate(ctx, existing!.certificate!, decision.renewalTime, desired, current, caPem);
    const retry = this.backoffRemaining(ctx, profile, now);
    if (retry !== undefined) return { requeueAfterMs: retry };
    if (caError !== undefined) return this.authorityFailed(ctx, profile, caError, "CAUnavailable");
    return (await this.rateLimited(ctx, profile, decision.message)) ?? this.issue(ctx, profile, desired, decision, current, csr);
  }

  /** The loop safety net: too many issuances in the last hour stop this one until the window frees. */
  private async rateLimited(ctx: Ctx, profile: ResolvedProfile, why: string): Promise<ReconcileResult | undefined> {
    const now = this.now();
    const max = profile.spec.policy?.maxIssuancesPerHour ?? DEFAULT_MAX_ISSUANCES_PER_HOUR;
    const rate = issuanceRate((ctx.status.history ?? []).map((h) => h.issuedAt), now, max);
    if (!rate.limited) return undefined;
    const message = `${rate.count} issuances in the last hour reach the limit of ${max} set by ${profile.kind} ${profile.name} (policy.maxIssuancesPerHour); ${why}; next attempt at ${toRFC3339(rate.retryAt!)}`;
    await this.refuse(ctx, "IssuanceRateLimited", message);
    return { requeueAfterMs: rate.retryAt!.getTime() - now.getTime() };
  }

  /** The Secret as the cache has it, else as the API server has it (a Secret not labelled as ours). */
  private async currentSecret(ctx: Ctx, name: string): Promise<SecretObject | undefined> {
    const ns = ctx.cert.metadata.namespace ?? "";
    return this.d.secrets.get(`${ns}/${name}`) ?? (await ctx.kube.find<SecretObject>(SECRETS, ns, name));
  }

  private ownership(cert: Certificate, secretName: string, secret: SecretObject | undefined): Ownership {
    const ns = cert.metadata.namespace ?? "";
    const own = { name: cert.metadata.name ?? "", uid: cert.metadata.uid ?? "" };
    return judgeOwnership({
      certificate: own,
      secretName,
      secret,
      use: this.d.directory.secretUse(ns, secretName),
      certificateByUid: (uid) => this.d.directory.certificateByUid(ns, uid),
      certificateByName: (name) => this.d.directory.certificateByName(ns, name),
    });
  }

  /**
   * The Secret holds a certificate certwright wrote (its record says so) that the status does not
   * list: the process stopped between the Secret write and the status write. Complete the
   * inventory now: history entry, revision, Event, and the supersede policy.
   */
  // eslint-disable-next-line max-params -- the recovery needs each of these, all already at hand
  private async recordInterruptedIssuance(ctx: Ctx, profile: ResolvedProfile, connector: Connector, current: Current, leaf: CertificateInfo | undefined, desired: DesiredRequest): Promise<void> {
    const record = current.record;
    if (!leaf || !record || record.serialNumber !== leaf.serialNumber || ctx.status.serialNumber === leaf.serialNumber) return;
    if (ctx.status.history?.some((h) => h.serialNumber === leaf.serialNumber)) return;
    const now = this.now();
    let status = issuedStatus(ctx.status, leaf, renewalTimeOf(leaf, desired.renewBeforeMs), { renewalRequestId: record.renewalRequestId, revision: record.revision, issuedAt: now });
    const previousSerial = record.previousSerialNumber ?? ctx.status.serialNumber;
    status = await this.revokeSuperseded(ctx, profile, connector, status, previousSerial, record.previousCertificatePem);
    ctx.status = status;
    this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "success" });
    this.event(ctx.cert, "Normal", "Issued", `serial ${leaf.serialNumber} (revision ${record.revision}) recorded after an interrupted issuance`);
    ctx.log.info({ serial: leaf.serialNumber, revision: record.revision }, "Recorded an interrupted issuance");
  }

  // eslint-disable-next-line max-params -- one issuance needs each of these, all already computed
  private async issue(
    ctx: Ctx,
    profile: ResolvedProfile,
    desired: DesiredRequest,
    decision: Extract<Decision, { action: "issue" }>,
    current: Current,
    csr: CsrInfo | undefined,
  ): Promise<ReconcileResult> {
    const connector = this.d.connectors.get(profile);
    if (connector.handOff) return this.handOff(ctx, profile, desired, decision, current);
    let password: string | undefined;
    try {
      password = await this.keystorePassword(ctx);
    } catch (e) {
      if (e instanceof OutputError) return this.fail(ctx, e, e.reason);
      throw e;
    }
    try {
      this.signalGuard(ctx); // the CA's signature is a side effect the next leader cannot undo
      const out = await issueCertificate({
        desired,
        connector,
        now: this.now(),
        ...keptKey(decision.reuseKey, current.data),
        externalCsrPem: csr ? await this.externalCsrPem(ctx) : undefined,
        signal: ctx.signal,
      });
      const mismatch = await this.refuseUnjudged(ctx, profile, connector, desired, out.data["tls.crt"]!);
      if (mismatch) return mismatch;
      const outputs = await buildOutputs({ spec: ctx.cert.spec, password }, { keyPem: out.data["tls.key"], certificatePem: out.data["tls.crt"]!, caPem: out.data["ca.crt"] });
      const record = this.recordFor(ctx, profile, out.info, desired, current);
      this.signalGuard(ctx);
      this.rememberSecret(ctx.cert, await writeCertificateSecret(ctx.kube, ctx.cert, { ...out.data, ...outputs }, current.secret, record));
      const message = `${decision.message}: issued serial ${out.info.serialNumber}${decision.reuseKey ? " (same key)" : " (new key)"}`;
      return await this.completeIssuance(ctx, { profile, connector, desired, current, info: out.info, message, revision: record.revision });
    } catch (e) {
      // Another writer created the Secret meanwhile: judge its ownership again on the next look.
      if (isAlreadyExists(e)) return { requeueAfterMs: 0 };
      if (ctx.signal.aborted) throw e;
      const refused = e instanceof ConnectorError && !e.retryable;
      if (!refused) this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "failure" });
      return this.authorityFailed(ctx, profile, e, "IssuanceFailed");
    }
  }

  /**
   * The certificate the authority returned must carry what the policy judged (exactly, for an
   * authority that issues exactly what is asked; else every requested name). Otherwise nothing
   * is stored: the same request would get the same answer, so this waits for a change.
   */
  private async refuseUnjudged(ctx: Ctx, profile: ResolvedProfile, connector: Connector, desired: DesiredRequest, certificatePem: string): Promise<ReconcileResult | undefined> {
    const mode = connector.exactIssuance ? "exact" : "requestedNamesPresent";
    const mismatch = issuedDifferences({ subject: desired.subjectSpec, sans: desired.sans }, certificatePem, mode);
    if (mismatch.length === 0) return undefined;
    this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "failure" });
    const message = `the ${connector.type} authority returned a certificate that differs from what ${profile.kind} ${profile.name} judged: ${mismatch.join("; ")}`;
    return this.refuse(ctx, ISSUED_CERTIFICATE_MISMATCH, message);
  }

  /** What the Secret write records about itself, so a crash before the status write loses nothing. */
  private recordFor(ctx: Ctx, profile: ResolvedProfile, info: CertificateInfo, desired: DesiredRequest, current: Current): Omit<SecretRecord, "outputsDigest"> {
    const previous = ctx.status.serialNumber;
    const mustRevokePrevious = profile.spec.revocation.onSupersede === "Revoke" && previous !== undefined && !revokedReasonOf(ctx.status, previous);
    return {
      serialNumber: info.serialNumber,
      revision: (ctx.status.revision ?? 0) + 1,
      previousSerialNumber: previous,
      previousCertificatePem: mustRevokePrevious ? leafWithSerial(current.data, previous) : undefined,
      renewalRequestId: desired.renewalRequest?.id,
    };
  }

  /** After the Secret holds the new certificate: inventory, supersede policy, status, event, metrics. */
  private async completeIssuance(ctx: Ctx, done: { profile: ResolvedProfile; connector: Connector; desired: DesiredRequest; current: Current; info: CertificateInfo; message: string; revision: number }): Promise<ReconcileResult> {
    const { info, connector } = done;
    const now = this.now();
    const renewal = renewalTimeOf(info, done.desired.renewBeforeMs);
    let status = issuedStatus(ctx.status, info, renewal, { renewalRequestId: done.desired.renewalRequest?.id, revision: done.revision, issuedAt: now });
    status = await this.revokeSuperseded(ctx, done.profile, connector, status, ctx.status.serialNumber, leafWithSerial(done.current.data, ctx.status.serialNumber));
    status = markExpired(status, now);
    status = readyCondition(status, { ready: true, reason: "Issued", message: readyMessage(info), generation: ctx.generation, now });
    status = this.expiryNotice(ctx, status, info.notAfter);
    if (getCondition(status.conditions, "Issuing")) status = withCondition(status, { type: "Issuing", status: "False", reason: "Issued", message: "issued", observedGeneration: ctx.generation }, now);
    await this.writeStatus(ctx, status);
    this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "success" });
    this.event(ctx.cert, "Normal", "Issued", done.message);
    ctx.log.info({ serial: info.serialNumber, why: done.message }, "Issued certificate");
    this.recordMetrics(ctx, status, true);
    return { requeueAfterMs: this.nextLook(ctx, status, renewal) };
  }

  /** Manual connector: publish the CSR, wait for the certificate a person hands back, judge it. */
  private async handOff(ctx: Ctx, profile: ResolvedProfile, desired: DesiredRequest, decision: Extract<Decision, { action: "issue" }>, current: Current): Promise<ReconcileResult> {
    const requestName = `${ctx.cert.spec.secretName}${REQUEST_SUFFIX}`;
    const request = await this.currentSecret(ctx, requestName);
    const ownership = this.ownership(ctx.cert, requestName, request);
    if (!ownership.owned) return this.refuse(ctx, ownership.reason, ownership.message);
    const state = await judgeHandOff(request ? decodeSecretData(request) : undefined, desired);
    const instructions = profile.spec.authority.type === "manual" ? profile.spec.authority.manual.instructions : undefined;
    const ask = `upload tls.csr of Secret ${requestName} to the CA and put the signed certificate into its tls.crt${instructions ? ` (${instructions})` : ""}`;
    switch (state.kind) {
      case "publish": {
        const keyPem = decision.reuseKey && current.data?.["tls.key"] ? current.data["tls.key"] : await generatePrivateKey(desired.key);
        const csrPem = await buildCsr({ privateKeyPem: keyPem, subject: desired.subjectSpec, sans: desired.sans });
        this.signalGuard(ctx);
        this.rememberSecret(ctx.cert, await writeRequestSecret(ctx.kube, ctx.cert, requestName, { "tls.csr": csrPem, "tls.key": keyPem }, request), requestName);
        this.event(ctx.cert, "Normal", "CSRPublished", `${decision.message}: CSR published; ${ask}`);
        return this.awaiting(ctx, "AwaitingCertificate", `CSR published: ${ask}`);
      }
      case "waiting":
        return this.awaiting(ctx, "AwaitingCertificate", `waiting for the certificate: ${ask}`);
      case "invalid":
        this.event(ctx.cert, "Warning", "HandedBackCertificateInvalid", state.message);
        return this.awaiting(ctx, "HandedBackCertificateInvalid", `${state.message}; ${ask}`);
      case "handedBack": {
        const password = await this.keystorePassword(ctx).catch(() => undefined);
        const outputs = await buildOutputs({ spec: ctx.cert.spec, password }, { keyPem: state.keyPem, certificatePem: state.certificatePem, caPem: state.caPem });
        const data = { "tls.crt": state.certificatePem, "tls.key": state.keyPem, "ca.crt": state.caPem, ...outputs };
        const info = inspectCertificate(state.certificatePem);
        const record = this.recordFor(ctx, profile, info, desired, current);
        this.signalGuard(ctx);
        this.rememberSecret(ctx.cert, await writeCertificateSecret(ctx.kube, ctx.cert, data, current.secret, record));
        // The request Secret keeps the CSR for the record; the key now lives only in the Certificate's Secret.
        this.rememberSecret(ctx.cert, await writeRequestSecret(ctx.kube, ctx.cert, requestName, { "tls.csr": decodeSecretData(request)["tls.csr"] ?? "" }, request), requestName);
        const connector = this.d.connectors.get(profile);
        return this.completeIssuance(ctx, { profile, connector, desired, current, info, message: `certificate handed back and accepted: serial ${info.serialNumber}`, revision: record.revision });
      }
    }
  }

  /** Issuing=True while a person acts; Ready turns False only when no valid certificate is held. */
  private async awaiting(ctx: Ctx, reason: string, message: string): Promise<ReconcileResult> {
    const now = this.now();
    let status = withCondition(ctx.status, { type: "Issuing", status: "True", reason, message, observedGeneration: ctx.generation }, now);
    const holdsValid = ctx.status.notAfter !== undefined && new Date(ctx.status.notAfter) > now && isConditionTrue(ctx.status.conditions, "Ready");
    if (!holdsValid) status = readyCondition(status, { ready: false, reason, message, generation: ctx.generation, now });
    await this.writeStatus(ctx, status);
    this.recordMetrics(ctx, status, holdsValid);
    return {}; // the hand-back (an update of the request Secret) triggers the next look
  }

  /** After a renewal, revoke the certificate it replaced when the profile says so. */
  // eslint-disable-next-line max-params -- the superseded certificate is named by serial and, for authorities that need it, by PEM
  private async revokeSuperseded(ctx: Ctx, profile: ResolvedProfile, connector: Connector, status: CertificateStatus, previous: string | undefined, previousPem: string | undefined): Promise<CertificateStatus> {
    if (profile.spec.revocation.onSupersede !== "Revoke" || !previous || revokedReasonOf(status, previous)) return status;
    if (!connector.capabilities.has("revoke")) {
      this.event(ctx.cert, "Warning", "RevocationNotSupported", `the ${connector.type} connector cannot revoke superseded serial ${previous}`);
      return status;
    }
    try {
      const at = this.now();
      this.signalGuard(ctx);
      await connector.revoke({ serialNumber: previous, reason: "superseded", revokedAt: at, certificatePem: previousPem, signal: ctx.signal });
      this.event(ctx.cert, "Normal", "Revoked", `superseded serial ${previous} revoked (superseded)`);
      this.d.onRevoked?.(profile);
      return markRevoked(status, previous, "superseded", at);
    } catch (e) {
      this.event(ctx.cert, "Warning", "RevocationFailed", `could not revoke superseded serial ${previous}: ${safeMessage(e)}`);
      return status;
    }
  }

  // eslint-disable-next-line max-params -- the up-to-date path needs each of these, all already computed
  private async upToDate(ctx: Ctx, info: CertificateInfo, renewalTime: Date, desired: DesiredRequest, current: Current, caPem: string | undefined): Promise<ReconcileResult> {
    const now = this.now();
    const repaired = await this.repairOutputs(ctx, current, info, caPem);
    if (repaired) return repaired;
    let status = markExpired(observedStatus(ctx.status, info, renewalTime), now);
    if (desired.renewalRequest) status.lastRenewalRequestId = desired.renewalRequest.id;
    status = readyCondition(status, { ready: true, reason: "Issued", message: readyMessage(info), generation: ctx.generation, now });
    status = this.expiryNotice(ctx, status, info.notAfter);
    await this.writeStatus(ctx, status);
    this.recordMetrics(ctx, status, true);
    return { requeueAfterMs: this.nextLook(ctx, status, renewalTime) };
  }

  /**
   * Rebuilds the outputs derived from a valid certificate and key (ca.crt, keystore.p12, jwks.json)
   * when one is missing, unwanted, or no longer what certwright wrote. Returns a result only when
   * the reconcile must end here (a refusal about an output).
   */
  private async repairOutputs(ctx: Ctx, current: Current, info: CertificateInfo, caPem: string | undefined): Promise<ReconcileResult | undefined> {
    const data = current.data;
    if (!data) return undefined;
    const record = current.record;
    const drifted = record?.outputsDigest !== undefined && record.outputsDigest !== outputsDigest(current.secret?.data);
    const caMissing = !data["ca.crt"]?.trim();
    if (!drifted && !caMissing && !outputsOutOfDate(ctx.cert.spec, data)) return undefined;
    try {
      const password = await this.keystorePassword(ctx);
      const ca = caSource(data, caPem, drifted);
      const outputs = await buildOutputs({ spec: ctx.cert.spec, password }, { keyPem: data["tls.key"], certificatePem: data["tls.crt"]!, caPem: ca });
      const kept = Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith("tls.")));
      const rec = record ?? { serialNumber: info.serialNumber, revision: ctx.status.revision ?? 1 };
      this.signalGuard(ctx);
      this.rememberSecret(ctx.cert, await writeCertificateSecret(ctx.kube, ctx.cert, { ...kept, "ca.crt": ca.trim() + "\n", ...outputs }, current.secret, rec));
      this.event(ctx.cert, "Normal", "OutputsRepaired", "ca.crt, keystore or JWKS were missing or changed: rewritten from the certificate");
      return undefined;
    } catch (e) {
      if (e instanceof OutputError) return this.fail(ctx, e, e.reason);
      throw e;
    }
  }

  /** Enters (once) or leaves the notice window: a condition, an Event on entry, a metric. */
  private expiryNotice(ctx: Ctx, status: CertificateStatus, notAfter: Date): CertificateStatus {
    const now = this.now();
    const inWindow = now.getTime() >= notAfter.getTime() - noticeMsOf(ctx, status);
    const was = getCondition(status.conditions, "ExpiryNotice")?.status === "True";
    if (inWindow && !was) {
      const days = Math.max(0, Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000));
      this.event(ctx.cert, "Warning", "ExpiryNotice", `certificate ${status.serialNumber} expires at ${notAfter.toISOString()} (in ${days} days)`);
    }
    const cond = inWindow
      ? { type: "ExpiryNotice", status: "True" as const, reason: "ExpiresSoon", message: `expires at ${notAfter.toISOString()}`, observedGeneration: ctx.generation }
      : { type: "ExpiryNotice", status: "False" as const, reason: "NotDue", message: "outside the expiry notice window", observedGeneration: ctx.generation };
    return withCondition(status, cond, now);
  }

  /** When to look again: the renewal time, or the start of the notice window if earlier. */
  private nextLook(ctx: Ctx, status: CertificateStatus, renewalTime: Date): number {
    const now = this.now().getTime();
    const notice = status.notAfter ? new Date(status.notAfter).getTime() - noticeMsOf(ctx, status) : Infinity;
    const next = Math.min(renewalTime.getTime(), notice > now ? notice : Infinity);
    return Math.max(0, next - now);
  }

  private async revokeCurrent(ctx: Ctx, profile: ResolvedProfile, reason: RevocationReason): Promise<ReconcileResult> {
    const serial = ctx.status.serialNumber;
    if (!serial) return this.refuse(ctx, "RevocationRequested", "revocation requested, but no certificate was issued: nothing to revoke");
    const already = revokedReasonOf(ctx.status, serial);
    if (already) return this.revoked(ctx, ctx.status, serial, already);
    const connector = this.d.connectors.get(profile);
    if (!connector.capabilities.has("revoke")) {
      return this.refuse(ctx, "RevocationNotSupported", `the ${connector.type} connector of ${profile.kind} ${profile.name} cannot revoke; serial ${serial} is still valid`);
    }
    try {
      const at = this.now();
      this.signalGuard(ctx);
      await connector.revoke({ serialNumber: serial, reason, revokedAt: at, certificatePem: this.issuedPem(ctx.cert, serial), signal: ctx.signal });
      this.event(ctx.cert, "Normal", "Revoked", `serial ${serial} revoked (${reason})`);
      this.d.onRevoked?.(profile);
      return this.revoked(ctx, markRevoked(ctx.status, serial, reason, at), serial, reason);
    } catch (e) {
      if (e instanceof ConnectorError && !e.retryable) return this.refuse(ctx, e.reason, safeMessage(e));
      return this.fail(ctx, e, "RevocationFailed");
    }
  }

  private async revoked(ctx: Ctx, status: CertificateStatus, serial: string, reason: RevocationReason): Promise<ReconcileResult> {
    const next = readyCondition(status, { ready: false, reason: "Revoked", message: `certificate ${serial} is revoked (${reason}); remove spec.revocation to get a new one`, generation: ctx.generation, now: this.now() });
    await this.writeStatus(ctx, next);
    this.recordMetrics(ctx, next, false);
    return {};
  }

  /** Deletion: revoke when the finalizer says so, then let the Certificate go. */
  private async finalize(ctx: Ctx, profile: ResolvedProfile | undefined): Promise<ReconcileResult> {
    const cert = ctx.cert;
    if (!cert.metadata.finalizers?.includes(REVOKE_ON_DELETE_FINALIZER)) return {};
    const serial = ctx.status.serialNumber;
    if (serial && !revokedReasonOf(ctx.status, serial)) {
      if (!profile) {
        this.event(cert, "Warning", "RevocationSkipped", `profile ${cert.spec.raProfileRef.name} is gone: serial ${serial} was not revoked`);
      } else {
        const connector = this.d.connectors.get(profile);
        try {
          this.signalGuard(ctx);
          await connector.revoke({ serialNumber: serial, reason: "cessationOfOperation", revokedAt: this.now(), certificatePem: this.issuedPem(cert, serial), signal: ctx.signal });
          this.event(cert, "Normal", "Revoked", `serial ${serial} revoked on deletion (cessationOfOperation)`);
          this.d.onRevoked?.(profile);
        } catch (e) {
          return this.fail(ctx, e, "RevocationFailed");
        }
      }
    }
    await this.ensureFinalizer(ctx, false);
    return {};
  }

  private async ensureFinalizer(ctx: Ctx, wanted: boolean): Promise<void> {
    const cert = ctx.cert;
    const finalizers = cert.metadata.finalizers ?? [];
    if (finalizers.includes(REVOKE_ON_DELETE_FINALIZER) === wanted) return;
    const next = wanted ? [...finalizers, REVOKE_ON_DELETE_FINALIZER] : finalizers.filter((f) => f !== REVOKE_ON_DELETE_FINALIZER);
    this.signalGuard(ctx);
    const written = await ctx.kube.patch<KubeObject>(CERTIFICATES, cert.metadata.namespace, cert.metadata.name ?? "", {
      metadata: { finalizers: next, resourceVersion: ctx.resourceVersion },
    });
    ctx.resourceVersion = written.metadata.resourceVersion;
    this.d.certificates.remember(`${cert.metadata.namespace}/${cert.metadata.name}`, written);
  }

  /** A refusal waits for a change of the spec, the profile or the Secret: no back-off, no failure count. */
  private async refuse(ctx: Ctx, reason: string, message: string): Promise<ReconcileResult> {
    const before = ctx.status;
    const status = readyCondition(clearFailures(before), { ready: false, reason, message, generation: ctx.generation, now: this.now() });
    if (!sameStatus(before, status)) this.event(ctx.cert, "Warning", reason, message);
    await this.writeStatus(ctx, status);
    this.recordMetrics(ctx, status, false);
    return {};
  }

  private async fail(ctx: Ctx, e: unknown, reason: string): Promise<ReconcileResult> {
    const message = safeMessage(e);
    const now = this.now();
    const { status: failed, retryAt } = failedStatus(ctx.status, now);
    const specific = e instanceof ConnectorError || e instanceof OutputError ? e.reason : reason;
    const status = readyCondition(failed, { ready: false, reason: specific, message: `${message} (attempt ${failed.failedIssuanceAttempts}, next retry ${retryAt.toISOString()})`, generation: ctx.generation, now });
    await this.writeStatus(ctx, status);
    // The same message each attempt, so the recorder counts one Event instead of writing many.
    this.event(ctx.cert, "Warning", reason, message);
    const notAfter = ctx.status.notAfter ? new Date(ctx.status.notAfter) : undefined;
    if (notAfter && now.getTime() >= notAfter.getTime() - noticeMsOf(ctx, ctx.status)) {
      this.event(ctx.cert, "Warning", "ExpiringRenewalFailing", `certificate expires at ${notAfter.toISOString()} and renewal keeps failing: ${message}`);
    }
    ctx.log.warn({ err: message, attempts: failed.failedIssuanceAttempts }, "Issuance failed");
    this.recordMetrics(ctx, status, false);
    return { requeueAfterMs: retryAt.getTime() - now.getTime() };
  }

  /**
   * A CA that refuses a request as written (expired, key mismatch, duration beyond the CA) is a
   * refusal: it waits for a change. Any other failure backs off, and the profile is asked to
   * probe its authority, so that its return re-queues this Certificate at once.
   */
  private async authorityFailed(ctx: Ctx, profile: ResolvedProfile, e: unknown, reason: string): Promise<ReconcileResult> {
    if (e instanceof ConnectorError && !e.retryable) {
      await this.refuse(ctx, e.reason, safeMessage(e));
      // The profile re-checks its CA and re-queues its Certificates when that changes; anything
      // else the authority refused (credentials, its own configuration) may change outside the
      // spec, so it is asked again hourly: a re-check, not a back-off.
      return isCaRefusal(e) ? {} : { requeueAfterMs: AUTHORITY_REFUSAL_RECHECK_MS };
    }
    this.d.onAuthorityFailing?.(profile);
    return this.fail(ctx, e, reason);
  }

  /**
   * While a failure back-off is running for this generation, wait it out, unless the profile's
   * authority has answered again since the failure.
   */
  private backoffRemaining(ctx: Ctx, profile: ResolvedProfile, now: Date): number | undefined {
    const s = ctx.status;
    if (!s.failedIssuanceAttempts || !s.nextRetryTime || s.observedGeneration !== ctx.generation) return undefined;
    if (profile.readySince && s.lastFailureTime && Date.parse(profile.readySince) > Date.parse(s.lastFailureTime)) return undefined;
    const left = new Date(s.nextRetryTime).getTime() - now.getTime();
    return left > 0 ? left : undefined;
  }

  /** No side effect starts once leadership is lost: the next leader decides. */
  private signalGuard(ctx: { signal: AbortSignal; assertLeader: () => void }): void {
    if (ctx.signal.aborted) throw new Error("leadership lost: not writing");
    ctx.assertLeader();
  }

  /** The certificate with this serial, when the Secret still holds it (ACME revokes by certificate). */
  private issuedPem(cert: Certificate, serial: string): string | undefined {
    const secret = this.secretOf(cert);
    return leafWithSerial(secret ? decodeSecretData(secret) : undefined, serial);
  }

  private rememberSecret(cert: Certificate, written: SecretObject, name = cert.spec.secretName): void {
    this.d.secrets.remember(`${cert.metadata.namespace}/${name}`, written);
  }

  private secretOf(cert: Certificate): SecretObject | undefined {
    return this.d.secrets.get(`${cert.metadata.namespace}/${cert.spec.secretName}`);
  }

  private async readSecretKey(ctx: Ctx, ref: { name: string; key: string }, reason: string, what: string): Promise<string> {
    const s = await ctx.kube.find<SecretObject>(SECRETS, ctx.cert.metadata.namespace, ref.name);
    const value = s ? decodeSecretData(s)[ref.key] : undefined;
    if (value === undefined) throw new OutputError(reason, `Secret ${ref.name} has no key ${ref.key} (${what})`);
    return value;
  }

  private async externalCsrPem(ctx: Ctx): Promise<string> {
    return this.readSecretKey(ctx, ctx.cert.spec.csrSecretRef!, "CSRNotFound", "the external CSR");
  }

  /** The external CSR, parsed and its signature verified, when the Certificate brings one. */
  private async externalCsr(ctx: Ctx): Promise<CsrInfo | undefined> {
    if (!ctx.cert.spec.csrSecretRef) return undefined;
    return parseAndVerifyCsr(await this.externalCsrPem(ctx));
  }

  private async keystorePassword(ctx: Ctx): Promise<string | undefined> {
    const ref = ctx.cert.spec.keystores?.pkcs12?.passwordSecretRef;
    if (!wantsKeystore(ctx.cert.spec) || !ref) return undefined;
    return this.readSecretKey(ctx, ref, "KeystorePasswordNotFound", "the PKCS#12 keystore password");
  }

  /**
   * Writes status only when it changed, as a merge patch carrying the resourceVersion the
   * decisions were computed from: if the Certificate changed meanwhile the API server refuses
   * (409) and the next reconcile decides again from the fresh object.
   */
  private async writeStatus(ctx: Pick<Ctx, "cert" | "stored" | "resourceVersion" | "signal" | "kube" | "assertLeader">, status: CertificateStatus): Promise<void> {
    const obj = ctx.cert;
    if (sameStatus(ctx.stored, status)) return;
    this.signalGuard(ctx);
    const written = await ctx.kube.patch<KubeObject>(
      CERTIFICATES,
      obj.metadata.namespace,
      obj.metadata.name ?? "",
      { metadata: { resourceVersion: ctx.resourceVersion }, status: mergePatchOf(ctx.stored, status) },
      { subresource: "status" },
    );
    ctx.stored = status;
    ctx.resourceVersion = written.metadata.resourceVersion;
    this.d.certificates.remember(`${obj.metadata.namespace}/${obj.metadata.name}`, written);
  }

  private event(cert: Certificate, type: "Normal" | "Warning", reason: string, message: string): void {
    this.d.events.emit(
      { apiVersion: cert.apiVersion, kind: cert.kind, namespace: cert.metadata.namespace, name: cert.metadata.name ?? "", uid: cert.metadata.uid },
      { type, reason, message },
    );
  }

  private recordMetrics(ctx: Ctx, status: CertificateStatus, ready: boolean): void {
    const notAfter = status.notAfter ? new Date(status.notAfter) : undefined;
    this.d.metrics?.recordCertificate({
      namespace: ctx.cert.metadata.namespace ?? "",
      name: ctx.cert.metadata.name ?? "",
      type: ctx.cert.spec.type,
      profile: ctx.cert.spec.raProfileRef.name,
      notAfter,
      renewalTime: status.renewalTime ? new Date(status.renewalTime) : undefined,
      ready: ready ? "True" : "False",
      expiryNotice: notAfter !== undefined && this.now().getTime() >= notAfter.getTime() - noticeMsOf(ctx, status),
      readyReason: getCondition(status.conditions, "Ready")?.reason,
    });
  }

  private now(): Date {
    return this.d.clock.now();
  }
}

/** The key to keep and the certificate it renews (rotationPolicy Never), else nothing. */
function keptKey(reuse: boolean | undefined, data: Record<string, string> | undefined): { reuseKeyPem?: string; currentCertificatePem?: string } {
  return reuse ? { reuseKeyPem: data?.["tls.key"], currentCertificatePem: data?.["tls.crt"] } : {};
}

/** A CA outage must not flip valid certificates to not-Ready: only an issuance needs the CA. */
async function prepareAuthority(connector: Connector, signal: AbortSignal): Promise<{ caPem?: string; caError?: unknown }> {
  try {
    return { caPem: (await connector.prepare({ signal })).caPem };
  } catch (e) {
    return { caError: e ?? new Error("the connector failed") };
  }
}

/** What ca.crt must hold: the authority's CA as it gives it now, else the top of the served chain. */
function caSource(data: Record<string, string>, caPem: string | undefined, drifted: boolean): string {
  if (caPem?.trim()) return caPem;
  // tls.crt parsed already (the certificate is up to date), so this cannot throw.
  const chain = splitPemBundle(data["tls.crt"] ?? "");
  if (chain.length > 1) return chain.at(-1)!;
  return data["ca.crt"]?.trim() && !drifted ? data["ca.crt"] : chain[0]!;
}

function leafWithSerial(data: Record<string, string> | undefined, serial: string | undefined): string | undefined {
  const leaf = leafOfBundle(data?.["tls.crt"]);
  if (!leaf || !serial) return undefined;
  try {
    return inspectCertificate(leaf).serialNumber === serial ? leaf : undefined;
  } catch {
    return undefined;
  }
}

/** A refusal is not a failure: the back-off fields of earlier failures go. */
function clearFailures(status: CertificateStatus): CertificateStatus {
  return { ...status, failedIssuanceAttempts: undefined, lastFailureTime: undefined, nextRetryTime: undefined };
}

function withCondition(status: CertificateStatus, cond: ConditionInput, now: Date): CertificateStatus {
  return { ...status, conditions: setCondition(status.conditions, cond, now) };
}

function gen(o: KubeObject): number {
  return o.metadata.generation ?? 0;
}

function statusOf(o: KubeObject): CertificateStatus {
  return (o as { status?: CertificateStatus }).status ?? {};
}

/** Error text fit for status and events: the message only, never a stack or a payload. */
function safeMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.includes("PRIVATE KEY") ? "issuance failed (details withheld: they contained key material)" : m.slice(0, 1000);
}
