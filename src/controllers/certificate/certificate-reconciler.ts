// Reconciles one Certificate: read from caches, refuse early with a clear condition, gather the
// Secret's facts, let decide() pick one action, then write at most the Secret and the status.
// Renewal is a requeue at the renewal time, never a sweep.
import type { CertificateStatus } from "../../api/certificate.ts";
import { parseCertificate, type Certificate } from "../../api/resources.ts";
import { ConnectorError } from "../../connectors/connector.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Informer } from "../../kube/informer.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import { decodeSecretData } from "../../kube/secret-store.ts";
import { SECRETS } from "../../kube/resources.ts";
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { Metrics } from "../../observability/metrics.ts";
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
import { writeCertificateSecret } from "./secret-writer.ts";
import { failedStatus, issuedStatus, observedStatus, readyCondition, sameStatus } from "./status.ts";

export interface CertificateReconcilerDeps {
  client: KubeClient;
  certificates: Informer<KubeObject>;
  secrets: Informer<SecretObject>;
  profiles: ProfileLookup;
  connectors: ConnectorRegistry;
  clock: Clock;
  events: EventSink;
  metrics?: Metrics;
}

/** Default expiry notice window: 60 days, as in the seed platforms. */
const EXPIRY_NOTICE_MS = 60 * 24 * 3600 * 1000;

interface Ctx {
  cert: Certificate;
  generation: number;
  status: CertificateStatus;
  log: ReconcileContext["log"];
}

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
    if (raw.metadata.deletionTimestamp) return {};
    let cert: Certificate;
    try {
      cert = parseCertificate(raw);
    } catch (e) {
      // The API server's schema should have refused it; say why and wait for a change.
      await this.writeStatus(raw, readyCondition(statusOf(raw), { ready: false, reason: "InvalidSpec", message: (e as Error).message, generation: gen(raw), now: this.now() }));
      return {};
    }
    const ctx: Ctx = { cert, generation: gen(raw), status: cert.status ?? {}, log: rc.log };
    const profile = resolveProfile(cert.spec.raProfileRef, cert.metadata.namespace ?? "", this.d.profiles);
    if (isRefusal(profile)) return this.refuse(ctx, profile.reason, profile.message);
    const desired = desiredFrom(cert.spec, profile.spec);
    const violation = evaluatePolicy(profile.spec, {
      type: desired.type,
      subject: cert.spec.subject,
      sans: { dnsNames: desired.sans.dnsNames ?? [], ipAddresses: desired.sans.ipAddresses ?? [], uris: desired.sans.uris ?? [], emailAddresses: desired.sans.emailAddresses ?? [] },
      key: { algorithm: desired.key.algorithm, size: desired.key.size },
      durationMs: desired.durationMs,
      external: desired.external,
    });
    if (violation) return this.refuse(ctx, violation.rule, `refused by ${profile.kind} ${profile.name}: ${violation.message}`);
    return this.reconcileIssued(ctx, profile, desired);
  }

  private async reconcileIssued(ctx: Ctx, profile: ResolvedProfile, desired: DesiredRequest): Promise<ReconcileResult> {
    const secret = this.secretOf(ctx.cert);
    const data = secret ? decodeSecretData(secret) : undefined;
    const connector = this.d.connectors.get(profile);
    let caPem: string;
    try {
      caPem = (await connector.prepare()).caPem;
    } catch (e) {
      return this.fail(ctx, e, "CAUnavailable");
    }
    const existing = await existingFrom(data, { type: desired.type, caPem });
    const now = this.now();
    const decision = decide(desired, { secret: existing, lastRenewalRequestId: ctx.status.lastRenewalRequestId }, now);
    if (decision.action === "upToDate") return this.upToDate(ctx, existing!, decision.renewalTime, desired);
    const retry = this.backoffRemaining(ctx, now);
    if (retry !== undefined) return { requeueAfterMs: retry };
    return this.issue(ctx, profile, desired, decision, { secret, data });
  }

  private async issue(
    ctx: Ctx,
    profile: ResolvedProfile,
    desired: DesiredRequest,
    decision: Extract<Decision, { action: "issue" }>,
    current: { secret: SecretObject | undefined; data: Record<string, string> | undefined },
  ): Promise<ReconcileResult> {
    const started = this.now();
    const connector = this.d.connectors.get(profile);
    try {
      const externalCsrPem = await this.externalCsr(ctx.cert);
      const out = await issueCertificate({
        desired,
        connector,
        now: started,
        reuseKeyPem: decision.reuseKey ? current.data?.["tls.key"] : undefined,
        externalCsrPem,
      });
      await writeCertificateSecret(this.d.client, ctx.cert, out.data, current.secret);
      const renewal = renewalTimeOf(out.info, desired.renewBeforeMs);
      let status = issuedStatus(ctx.status, out.info, renewal, { renewalRequestId: desired.renewalRequest?.id });
      status = readyCondition(status, { ready: true, reason: "Issued", message: `certificate issued (serial ${out.info.serialNumber}, expires ${out.info.notAfter.toISOString()})`, generation: ctx.generation, now: this.now() });
      await this.writeStatus(ctx.cert, status);
      this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "success" });
      this.event(ctx.cert, "Normal", "Issued", `${decision.message}: issued serial ${out.info.serialNumber}${decision.reuseKey ? " (same key)" : ""}`);
      ctx.log.info({ serial: out.info.serialNumber, reason: decision.reason }, "Issued certificate");
      this.recordMetrics(ctx.cert, status, true, profile.name);
      return { requeueAfterMs: Math.max(0, renewal.getTime() - this.now().getTime()) };
    } catch (e) {
      this.d.metrics?.issuanceTotal.inc({ connector: connector.type, result: "failure" });
      return this.fail(ctx, e, "IssuanceFailed");
    }
  }

  private async upToDate(ctx: Ctx, existing: NonNullable<Awaited<ReturnType<typeof existingFrom>>>, renewalTime: Date, desired: DesiredRequest): Promise<ReconcileResult> {
    const info = existing.certificate!;
    let status = observedStatus(ctx.status, info, renewalTime);
    if (desired.renewalRequest) status.lastRenewalRequestId = desired.renewalRequest.id;
    status = readyCondition(status, { ready: true, reason: "Issued", message: `certificate is up to date (serial ${info.serialNumber}, expires ${info.notAfter.toISOString()})`, generation: ctx.generation, now: this.now() });
    await this.writeStatus(ctx.cert, status);
    this.recordMetrics(ctx.cert, status, true, ctx.cert.spec.raProfileRef.name);
    return { requeueAfterMs: Math.max(0, renewalTime.getTime() - this.now().getTime()) };
  }

  private async refuse(ctx: Ctx, reason: string, message: string): Promise<ReconcileResult> {
    const before = ctx.status;
    const status = readyCondition(before, { ready: false, reason: reason, message: message, generation: ctx.generation, now: this.now() });
    if (!sameStatus(before, status)) this.event(ctx.cert, "Warning", reason, message);
    await this.writeStatus(ctx.cert, status);
    this.recordMetrics(ctx.cert, status, false, ctx.cert.spec.raProfileRef.name);
    return {}; // wait for the Certificate or its profile to change
  }

  private async fail(ctx: Ctx, e: unknown, reason: string): Promise<ReconcileResult> {
    const message = safeMessage(e);
    const { status: failed, retryAt } = failedStatus(ctx.status, this.now());
    const status = readyCondition(failed, { ready: false, reason: e instanceof ConnectorError ? e.reason : reason, message: message, generation: ctx.generation, now: this.now() });
    await this.writeStatus(ctx.cert, status);
    this.event(ctx.cert, "Warning", reason, `${message} (attempt ${failed.failedIssuanceAttempts}, next retry ${retryAt.toISOString()})`);
    ctx.log.warn({ err: message, attempts: failed.failedIssuanceAttempts }, "Issuance failed");
    this.recordMetrics(ctx.cert, status, false, ctx.cert.spec.raProfileRef.name);
    return { requeueAfterMs: retryAt.getTime() - this.now().getTime() };
  }

  /** While a failure back-off is running for this generation, wait it out. */
  private backoffRemaining(ctx: Ctx, now: Date): number | undefined {
    const s = ctx.status;
    if (!s.failedIssuanceAttempts || !s.nextRetryTime || s.observedGeneration !== ctx.generation) return undefined;
    const left = new Date(s.nextRetryTime).getTime() - now.getTime();
    return left > 0 ? left : undefined;
  }

  private secretOf(cert: Certificate): SecretObject | undefined {
    return this.d.secrets.get(`${cert.metadata.namespace}/${cert.spec.secretName}`);
  }

  private async externalCsr(cert: Certificate): Promise<string | undefined> {
    const ref = cert.spec.csrSecretRef;
    if (!ref) return undefined;
    const s = await this.d.client.find<SecretObject>(SECRETS, cert.metadata.namespace, ref.name);
    const pem = s ? decodeSecretData(s)[ref.key] : undefined;
    if (!pem) throw new ConnectorError("CSRNotFound", `Secret ${ref.name} has no key ${ref.key} with a CSR`, false);
    return pem;
  }

  private async writeStatus(obj: KubeObject, status: CertificateStatus): Promise<void> {
    if (sameStatus(statusOf(obj), status)) return;
    await this.d.client.patchStatus(CERTIFICATES, obj.metadata.namespace, obj.metadata.name ?? "", status);
  }

  private event(cert: Certificate, type: "Normal" | "Warning", reason: string, message: string): void {
    this.d.events.emit(
      { apiVersion: cert.apiVersion, kind: cert.kind, namespace: cert.metadata.namespace, name: cert.metadata.name ?? "", uid: cert.metadata.uid },
      { type, reason, message },
    );
  }

  private recordMetrics(cert: Certificate, status: CertificateStatus, ready: boolean, profile: string): void {
    this.d.metrics?.recordCertificate({
      namespace: cert.metadata.namespace ?? "",
      name: cert.metadata.name ?? "",
      type: cert.spec.type,
      profile,
      notAfter: status.notAfter ? new Date(status.notAfter) : undefined,
      renewalTime: status.renewalTime ? new Date(status.renewalTime) : undefined,
      ready: ready ? "True" : "False",
      expiryNotice: status.notAfter !== undefined && this.now().getTime() >= new Date(status.notAfter).getTime() - EXPIRY_NOTICE_MS,
    });
  }

  private now(): Date {
    return this.d.clock.now();
  }
}

function gen(o: KubeObject): number {
  return o.metadata.generation ?? 0;
}

function statusOf(o: KubeObject): CertificateStatus {
  return ((o as { status?: CertificateStatus }).status ?? {});
}

/** Error text fit for status and events: the message only, never a stack or a payload. */
function safeMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.includes("PRIVATE KEY") ? "issuance failed (details withheld: they contained key material)" : m.slice(0, 1000);
}
