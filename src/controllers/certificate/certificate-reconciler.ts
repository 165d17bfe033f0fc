// Reconciles one Certificate: read from caches, refuse early with a clear condition, gather the
// Secret's facts, let decide() pick one action, then write at most the Secret and the status.
// Renewal is a requeue at the renewal time, never a sweep. Revocation, the delete finalizer,
// keystore/JWKS outputs and the expiry notice hang off the same flow.
import type { CertificateStatus } from "../../api/certificate.ts";
import { getCondition, isConditionTrue, setCondition, type ConditionInput } from "../../api/conditions.ts";
import { DEFAULT_EXPIRY_NOTICE, parseDuration } from "../../api/duration.ts";
import { parseCertificate, type Certificate } from "../../api/resources.ts";
import { ConnectorError, type Connector } from "../../connectors/connector.ts";
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { FreshView } from "../../kube/fresh-view.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import { SECRETS } from "../../kube/resources.ts";
import { decodeSecretData } from "../../kube/secret-store.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { RevocationReason } from "../../pki/crl.ts";
import { CsrError, parseAndVerifyCsr, type CsrInfo } from "../../pki/csr.ts";
import { inspectCertificate, splitPemBundle, type CertificateInfo } from "../../pki/inspect.ts";
import { buildCsr } from "../../pki/csr.ts";
import { generatePrivateKey } from "../../pki/keys.ts";
import { evaluatePolicy } from "../../policy/evaluate.ts";
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
import { writeCertificateSecret, writeRequestSecret } from "./secret-writer.ts";
import { failedStatus, issuedStatus, mergePatchOf, observedStatus, readyCondition, sameStatus } from "./status.ts";

/** Held while a Certificate must be revoked before it may go (profile revocation.onDelete: Revoke). */
export const REVOKE_ON_DELETE_FINALIZER = "certwright.dev/revoke-on-delete";

export interface CertificateReconcilerDeps {
  client: KubeClient;
  /** Caches seen through our own latest writes (see FreshView). */
  certificates: FreshView<KubeObject>;
  secrets: FreshView<SecretObject>;
  profiles: ProfileLookup;
  connectors: ConnectorRegistry;
  clock: Clock;
  events: EventSink;
  metrics?: Metrics;
  /** A certificate of this profile was revoked: its CRL must be republished. */
  onRevoked?(profile: ResolvedProfile): void;
}

interface Ctx {
  cert: Certificate;
  generation: number;
  status: CertificateStatus;
  log: ReconcileContext["log"];
  noticeMs: number;
}

interface Current {
  secret: SecretObject | undefined;
  data: Record<string, string> | undefined;
}

const DEFAULT_NOTICE_MS = parseDuration(DEFAULT_EXPIRY_NOTICE);

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
      await this.writeStatus(raw, status);
      return {};
    }
    const ctx: Ctx = { cert, generation: gen(raw), status: cert.status ?? {}, log: rc.log, noticeMs: DEFAULT_NOTICE_MS };
    const profile = resolveProfile(cert.spec.raProfileRef, cert.metadata.namespace ?? "", this.d.profiles);
    if (cert.metadata.deletionTimestamp) return this.finalize(ctx, isRefusal(profile) ? undefined : profile);
    if (isRefusal(profile)) return this.refuse(ctx, profile.reason, profile.message);
    return this.reconcileWithProfile(ctx, profile);
  }

  private async reconcileWithProfile(ctx: Ctx, profile: ResolvedProfile): Promise<ReconcileResult> {
    const cert = ctx.cert;
    const notice = profile.spec.defaults?.expiryNotice;
    if (notice) ctx.noticeMs = parseDuration(notice);
    await this.ensureFinalizer(cert, profile.spec.revocation.onDelete === "Revoke");
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
      csr = await this.externalCsr(cert);
    } catch (e) {
      if (e instanceof CsrError) return { result: await this.refuse(ctx, "InvalidCSR", `the CSR in Secret ${cert.spec.csrSecretRef?.name}: ${e.message}`) };
      // The referenced Secret may appear later: retry with back-off.
      if (e instanceof OutputError) return { result: await this.fail(ctx, e, e.reason) };
      throw e;
    }
    const desired = desiredFrom(cert.spec, profile.spec, csr);
    const refusal = this.policyRefusal(profile, desired);
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
    const secret = this.secretOf(ctx.cert);
    const current: Current = { secret, data: secret ? decodeSecretData(secret) : undefined };
    const connector = this.d.connectors.get(profile);
    // A CA outage must not flip valid certificates to not-Ready: only an issuance needs the CA.
    let caPem: string | undefined;
    let caError: unknown;
    try {
      caPem = (await connector.prepare()).caPem;
    } catch (e) {
      caError = e;
    }
    desired.exactAuthority = connector.exactIssuance;
    const existing = await existingFrom(current.data, { type: desired.type, caPem, exactUsages: connector.exactIssuance });
    const now = this.now();
    const revokedReason = revokedReasonOf(ctx.status, existing?.certificate?.serialNumber);
    const decision = decide(desired, { secret: existing, lastRenewalRequestId: ctx.status.lastRenewalRequestId, revokedReason }, now);
    if (decision.action === "upToDate") return this.upToDate(ctx, existing!.certificate!, decision.renewalTime, desired, current);
    const retry = this.backoffRemaining(ctx, now);
    if (retry !== undefined) return { requeueAfterMs: retry };
    if (caError !== undefined) return this.fail(ctx, caError, "CAUnavailable");
    return this.issue(ctx, profile, desired, decision, current, csr);
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
      password = await this.keystorePassword(ctx.cert);
    } catch (e) {
      if (e instanceof OutputError) return this.fail(ctx, e, e.reason);
      throw e;
    }
    try {
      const out = await issueCertificate({
        desired,
        connector,
        now: this.now(),
        reuseKeyPem: decision.reuseKey ? current.data?.["tls.key"] : undefined,
        externalCsrPem: csr ? await this.externalCsrPem(ctx.cert) : undefined,
      });
      const outputs = await buildOutputs({ spec: ctx.cert.spec, password }, { keyPem: out.data["tls.key"], certificatePem: out.data["tls.crt"]! });
      this.rememberSecret(ctx.cert, await writeCertificateSecret(this.d.client, ctx.cert, { ...out.data, ...outputs }, current.secret));
      const message = `${decision.message}: issued serial ${out.info.serialNumber}${decision.reuseKey ? " (same key)" : " (new key)"}`;
      return await this.completeIssuance(ctx, { profile, connector, desired, current, info: out.info, message });
    } catch (e) {
      this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "failure" });
      return this.fail(ctx, e, "IssuanceFailed");
    }
  }

  /** After the Secret holds the new certificate: inventory, supersede policy, status, event, metrics. */
  private async completeIssuance(ctx: Ctx, done: { profile: ResolvedProfile; connector: Connector; desired: DesiredRequest; current: Current; info: CertificateInfo; message: string }): Promise<ReconcileResult> {
    const { info, connector } = done;
    const now = this.now();
    const renewal = renewalTimeOf(info, done.desired.renewBeforeMs);
    let status = issuedStatus(ctx.status, info, renewal, { renewalRequestId: done.desired.renewalRequest?.id });
    status = await this.revokeSuperseded(ctx, done.profile, connector, status, leafWithSerial(done.current.data, ctx.status.serialNumber));
    status = markExpired(status, now);
    status = readyCondition(status, { ready: true, reason: "Issued", message: `certificate issued (serial ${info.serialNumber}, expires ${info.notAfter.toISOString()})`, generation: ctx.generation, now });
    status = withCondition(status, { type: "ExpiryNotice", status: "False", reason: "NotDue", message: "outside the expiry notice window", observedGeneration: ctx.generation }, now);
    if (getCondition(status.conditions, "Issuing")) status = withCondition(status, { type: "Issuing", status: "False", reason: "Issued", message: "issued", observedGeneration: ctx.generation }, now);
    await this.writeStatus(ctx.cert, status);
    this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "success" });
    this.event(ctx.cert, "Normal", "Issued", done.message);
    ctx.log.info({ serial: info.serialNumber, why: done.message }, "Issued certificate");
    this.recordMetrics(ctx, status, true);
    return { requeueAfterMs: this.nextLook(ctx, status, renewal) };
  }

  /** Manual connector: publish the CSR, wait for the certificate a person hands back, judge it. */
  private async handOff(ctx: Ctx, profile: ResolvedProfile, desired: DesiredRequest, decision: Extract<Decision, { action: "issue" }>, current: Current): Promise<ReconcileResult> {
    const requestName = `${ctx.cert.spec.secretName}${REQUEST_SUFFIX}`;
    const request = this.d.secrets.get(`${ctx.cert.metadata.namespace}/${requestName}`);
    const state = await judgeHandOff(request ? decodeSecretData(request) : undefined, desired);
    const instructions = profile.spec.authority.type === "manual" ? profile.spec.authority.manual.instructions : undefined;
    const ask = `upload tls.csr of Secret ${requestName} to the CA and put the signed certificate into its tls.crt${instructions ? ` (${instructions})` : ""}`;
    switch (state.kind) {
      case "publish": {
        const keyPem = decision.reuseKey && current.data?.["tls.key"] ? current.data["tls.key"] : await generatePrivateKey(desired.key);
        const csrPem = await buildCsr({ privateKeyPem: keyPem, subject: desired.subjectSpec, sans: desired.sans });
        this.rememberSecret(ctx.cert, await writeRequestSecret(this.d.client, ctx.cert, requestName, { "tls.csr": csrPem, "tls.key": keyPem }, request), requestName);
        this.event(ctx.cert, "Normal", "CSRPublished", `${decision.message}: CSR published; ${ask}`);
        return this.awaiting(ctx, "AwaitingCertificate", `CSR published: ${ask}`);
      }
      case "waiting":
        return this.awaiting(ctx, "AwaitingCertificate", `waiting for the certificate: ${ask}`);
      case "invalid":
        this.event(ctx.cert, "Warning", "HandedBackCertificateInvalid", state.message);
        return this.awaiting(ctx, "HandedBackCertificateInvalid", `${state.message}; ${ask}`);
      case "handedBack": {
        const password = await this.keystorePassword(ctx.cert).catch(() => undefined);
        const outputs = await buildOutputs({ spec: ctx.cert.spec, password }, { keyPem: state.keyPem, certificatePem: state.certificatePem });
        const data = { "tls.crt": state.certificatePem, "tls.key": state.keyPem, "ca.crt": state.caPem, ...outputs };
        this.rememberSecret(ctx.cert, await writeCertificateSecret(this.d.client, ctx.cert, data, current.secret));
        // The request Secret keeps the CSR for the record; the key now lives only in the Certificate's Secret.
        this.rememberSecret(ctx.cert, await writeRequestSecret(this.d.client, ctx.cert, requestName, { "tls.csr": decodeSecretData(request)["tls.csr"] ?? "" }, request), requestName);
        const info = inspectCertificate(state.certificatePem);
        const connector = this.d.connectors.get(profile);
        return this.completeIssuance(ctx, { profile, connector, desired, current, info, message: `certificate handed back and accepted: serial ${info.serialNumber}` });
      }
    }
  }

  /** Issuing=True while a person acts; Ready turns False only when no valid certificate is held. */
  private async awaiting(ctx: Ctx, reason: string, message: string): Promise<ReconcileResult> {
    const now = this.now();
    let status = withCondition(ctx.status, { type: "Issuing", status: "True", reason, message, observedGeneration: ctx.generation }, now);
    const holdsValid = ctx.status.notAfter !== undefined && new Date(ctx.status.notAfter) > now && isConditionTrue(ctx.status.conditions, "Ready");
    if (!holdsValid) status = readyCondition(status, { ready: false, reason, message, generation: ctx.generation, now });
    await this.writeStatus(ctx.cert, status);
    this.recordMetrics(ctx, status, holdsValid);
    return {}; // the hand-back (an update of the request Secret) triggers the next look
  }

  /** After a renewal, revoke the certificate it replaced when the profile says so. */
  private async revokeSuperseded(ctx: Ctx, profile: ResolvedProfile, connector: Connector, status: CertificateStatus, previousPem: string | undefined): Promise<CertificateStatus> {
    const previous = ctx.status.serialNumber;
    if (profile.spec.revocation.onSupersede !== "Revoke" || !previous || revokedReasonOf(ctx.status, previous)) return status;
    if (!connector.capabilities.has("revoke")) {
      this.event(ctx.cert, "Warning", "RevocationNotSupported", `the ${connector.type} connector cannot revoke superseded serial ${previous}`);
      return status;
    }
    try {
      const at = this.now();
      await connector.revoke({ serialNumber: previous, reason: "superseded", revokedAt: at, certificatePem: previousPem });
      this.event(ctx.cert, "Normal", "Revoked", `superseded serial ${previous} revoked (superseded)`);
      this.d.onRevoked?.(profile);
      return markRevoked(status, previous, "superseded", at);
    } catch (e) {
      this.event(ctx.cert, "Warning", "RevocationFailed", `could not revoke superseded serial ${previous}: ${safeMessage(e)}`);
      return status;
    }
  }

  private async upToDate(ctx: Ctx, info: NonNullable<NonNullable<Awaited<ReturnType<typeof existingFrom>>>["certificate"]>, renewalTime: Date, desired: DesiredRequest, current: Current): Promise<ReconcileResult> {
    const now = this.now();
    if (current.data && outputsOutOfDate(ctx.cert.spec, current.data)) {
      try {
        const password = await this.keystorePassword(ctx.cert);
        const outputs = await buildOutputs({ spec: ctx.cert.spec, password }, { keyPem: current.data["tls.key"], certificatePem: current.data["tls.crt"]! });
        const kept = Object.fromEntries(Object.entries(current.data).filter(([k]) => k.startsWith("tls.") || k === "ca.crt"));
        this.rememberSecret(ctx.cert, await writeCertificateSecret(this.d.client, ctx.cert, { ...kept, ...outputs }, current.secret));
      } catch (e) {
        if (e instanceof OutputError) return this.fail(ctx, e, e.reason);
        throw e;
      }
    }
    let status = markExpired(observedStatus(ctx.status, info, renewalTime), now);
    if (desired.renewalRequest) status.lastRenewalRequestId = desired.renewalRequest.id;
    status = readyCondition(status, { ready: true, reason: "Issued", message: `certificate is up to date (serial ${info.serialNumber}, expires ${info.notAfter.toISOString()})`, generation: ctx.generation, now });
    status = this.expiryNotice(ctx, status, info.notAfter);
    await this.writeStatus(ctx.cert, status);
    this.recordMetrics(ctx, status, true);
    return { requeueAfterMs: this.nextLook(ctx, status, renewalTime) };
  }

  /** Enters (once) or leaves the notice window: a condition, an Event on entry, a metric. */
  private expiryNotice(ctx: Ctx, status: CertificateStatus, notAfter: Date): CertificateStatus {
    const now = this.now();
    const inWindow = now.getTime() >= notAfter.getTime() - ctx.noticeMs;
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
    const notice = status.notAfter ? new Date(status.notAfter).getTime() - ctx.noticeMs : Infinity;
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
      await connector.revoke({ serialNumber: serial, reason, revokedAt: at, certificatePem: this.issuedPem(ctx.cert, serial) });
      this.event(ctx.cert, "Normal", "Revoked", `serial ${serial} revoked (${reason})`);
      this.d.onRevoked?.(profile);
      return this.revoked(ctx, markRevoked(ctx.status, serial, reason, at), serial, reason);
    } catch (e) {
      return this.fail(ctx, e, "RevocationFailed");
    }
  }

  private async revoked(ctx: Ctx, status: CertificateStatus, serial: string, reason: RevocationReason): Promise<ReconcileResult> {
    const next = readyCondition(status, { ready: false, reason: "Revoked", message: `certificate ${serial} is revoked (${reason}); remove spec.revocation to get a new one`, generation: ctx.generation, now: this.now() });
    await this.writeStatus(ctx.cert, next);
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
          await connector.revoke({ serialNumber: serial, reason: "cessationOfOperation", revokedAt: this.now(), certificatePem: this.issuedPem(cert, serial) });
          this.event(cert, "Normal", "Revoked", `serial ${serial} revoked on deletion (cessationOfOperation)`);
          this.d.onRevoked?.(profile);
        } catch (e) {
          return this.fail(ctx, e, "RevocationFailed");
        }
      }
    }
    await this.ensureFinalizer(cert, false);
    return {};
  }

  private async ensureFinalizer(cert: Certificate, wanted: boolean): Promise<void> {
    const finalizers = cert.metadata.finalizers ?? [];
    if (finalizers.includes(REVOKE_ON_DELETE_FINALIZER) === wanted) return;
    const next = wanted ? [...finalizers, REVOKE_ON_DELETE_FINALIZER] : finalizers.filter((f) => f !== REVOKE_ON_DELETE_FINALIZER);
    await this.d.client.patch(CERTIFICATES, cert.metadata.namespace, cert.metadata.name ?? "", {
      metadata: { finalizers: next, resourceVersion: cert.metadata.resourceVersion },
    });
  }

  private async refuse(ctx: Ctx, reason: string, message: string): Promise<ReconcileResult> {
    const before = ctx.status;
    const status = readyCondition(before, { ready: false, reason, message, generation: ctx.generation, now: this.now() });
    if (!sameStatus(before, status)) this.event(ctx.cert, "Warning", reason, message);
    await this.writeStatus(ctx.cert, status);
    this.recordMetrics(ctx, status, false);
    return {}; // wait for the Certificate or its profile to change
  }

  private async fail(ctx: Ctx, e: unknown, reason: string): Promise<ReconcileResult> {
    const message = safeMessage(e);
    const now = this.now();
    const { status: failed, retryAt } = failedStatus(ctx.status, now);
    const specific = e instanceof ConnectorError || e instanceof OutputError ? e.reason : reason;
    const status = readyCondition(failed, { ready: false, reason: specific, message, generation: ctx.generation, now });
    await this.writeStatus(ctx.cert, status);
    this.event(ctx.cert, "Warning", reason, `${message} (attempt ${failed.failedIssuanceAttempts}, next retry ${retryAt.toISOString()})`);
    const notAfter = ctx.status.notAfter ? new Date(ctx.status.notAfter) : undefined;
    if (notAfter && now.getTime() >= notAfter.getTime() - ctx.noticeMs) {
      this.event(ctx.cert, "Warning", "ExpiringRenewalFailing", `certificate expires at ${notAfter.toISOString()} and renewal keeps failing: ${message}`);
    }
    ctx.log.warn({ err: message, attempts: failed.failedIssuanceAttempts }, "Issuance failed");
    this.recordMetrics(ctx, status, false);
    return { requeueAfterMs: retryAt.getTime() - now.getTime() };
  }

  /** While a failure back-off is running for this generation, wait it out. */
  private backoffRemaining(ctx: Ctx, now: Date): number | undefined {
    const s = ctx.status;
    if (!s.failedIssuanceAttempts || !s.nextRetryTime || s.observedGeneration !== ctx.generation) return undefined;
    const left = new Date(s.nextRetryTime).getTime() - now.getTime();
    return left > 0 ? left : undefined;
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

  private async readSecretKey(cert: Certificate, ref: { name: string; key: string }, reason: string, what: string): Promise<string> {
    const s = await this.d.client.find<SecretObject>(SECRETS, cert.metadata.namespace, ref.name);
    const value = s ? decodeSecretData(s)[ref.key] : undefined;
    if (value === undefined) throw new OutputError(reason, `Secret ${ref.name} has no key ${ref.key} (${what})`);
    return value;
  }

  private async externalCsrPem(cert: Certificate): Promise<string> {
    return this.readSecretKey(cert, cert.spec.csrSecretRef!, "CSRNotFound", "the external CSR");
  }

  /** The external CSR, parsed and its signature verified, when the Certificate brings one. */
  private async externalCsr(cert: Certificate): Promise<CsrInfo | undefined> {
    if (!cert.spec.csrSecretRef) return undefined;
    return parseAndVerifyCsr(await this.externalCsrPem(cert));
  }

  private async keystorePassword(cert: Certificate): Promise<string | undefined> {
    const ref = cert.spec.keystores?.pkcs12?.passwordSecretRef;
    if (!wantsKeystore(cert.spec) || !ref) return undefined;
    return this.readSecretKey(cert, ref, "KeystorePasswordNotFound", "the PKCS#12 keystore password");
  }

  private async writeStatus(obj: KubeObject, status: CertificateStatus): Promise<void> {
    const before = statusOf(obj);
    if (sameStatus(before, status)) return;
    const written = await this.d.client.patchStatus<KubeObject>(CERTIFICATES, obj.metadata.namespace, obj.metadata.name ?? "", mergePatchOf(before, status));
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
      expiryNotice: notAfter !== undefined && this.now().getTime() >= notAfter.getTime() - ctx.noticeMs,
    });
  }

  private now(): Date {
    return this.d.clock.now();
  }
}

function leafWithSerial(data: Record<string, string> | undefined, serial: string | undefined): string | undefined {
  const leaf = splitPemBundle(data?.["tls.crt"] ?? "")[0];
  if (!leaf || !serial) return undefined;
  try {
    return inspectCertificate(leaf).serialNumber === serial ? leaf : undefined;
  } catch {
    return undefined;
  }
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
