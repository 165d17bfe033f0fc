// Reconciles one Certificate: read it from the cache, gather() the facts, let the pure plan()
// choose one action, act (at most one write per object), let the pure statusFor() compose the
// status, write it once when it changed, and say when to look again (the renewal time: never a
// sweep). Revocation, the delete finalizer, outputs and the expiry notice are actions like any other.
import type { CertificateStatus } from "../../api/certificate.ts";
import type { Certificate } from "../../api/resources.ts";
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { FreshView } from "../../kube/fresh-view.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import type { EventSink } from "../../runtime/events.ts";
import { splitKey } from "../../runtime/keys.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import type { ProfileLookup, ResolvedProfile } from "../profiles/resolve-profile.ts";
import { emit, type ActContext, type ActResult } from "./actions/context.ts";
import { finalize, setFinalizer } from "./actions/finalize.ts";
import { acceptHandBack, publishRequest } from "./actions/hand-off.ts";
import { issue } from "./actions/issue.ts";
import { authorityDown, failed, refused } from "./actions/outcomes.ts";
import { recordInterrupted } from "./actions/record-interrupted.ts";
import { refreshOutputs } from "./actions/refresh-outputs.ts";
import { revokeCurrent } from "./actions/revoke.ts";
import { gather, type World } from "./gather.ts";
import { plan, type Action } from "./plan.ts";
import type { CertificateDirectory } from "./secret-uses.ts";
import { mergePatchOf, sameStatus } from "./status.ts";
import { CONDITION, enteredNoticeWindow, inNoticeWindow, noticeMsFor, statusFor, type Look, type Outcome } from "./status-for.ts";

export { REVOKE_ON_DELETE_FINALIZER } from "./gather.ts";

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

/** The stored status and the resourceVersion that fences the next write of the Certificate. */
interface Stored {
  status: CertificateStatus;
  resourceVersion?: string;
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
    const kube = this.d.client.withSignal(rc.signal);
    const { facts, world } = await gather(raw, kube, this.d, rc.signal);
    const p = plan(facts, this.now());
    const x = this.actContext(raw, world, facts.status, kube, rc);
    const stored: Stored = { status: facts.status, resourceVersion: raw.metadata.resourceVersion };
    const look = (): Look => ({ generation: facts.generation, now: this.now(), explicitNoticeMs: world.explicitNoticeMs });
    if (p.finalizer) await setFinalizer(x, this.d.certificates, stored, p.finalizer === "add");
    if (p.announce) await this.show(x, stored, { kind: "started", message: `asking the ${world.connector?.type} authority for a certificate` }, look());
    const result = await this.act(x, p.action, stored);
    if (!result.outcome) return result.requeueAfterMs === undefined ? {} : { requeueAfterMs: result.requeueAfterMs };
    const status = await this.show(x, stored, result.outcome, look());
    return requeue(result, status, look());
  }

  /** The one action of the plan. */
  private async act(x: ActContext, a: Action, stored: Stored): Promise<ActResult> {
    switch (a.do) {
      case "nothing":
        return { requeueAfterMs: a.requeueAfterMs };
      case "refuse":
        return refused(a.reason, a.message, a.stalled, a.requeueAfterMs, a.recheck);
      case "fail":
        return { outcome: { kind: "failed", reason: a.reason, message: a.message } };
      case "finalize":
        return finalize(x, this.d.certificates, stored, a);
      case "revokeCurrent":
        return revokeCurrent(x, a.serial, a.reason);
      case "showRevoked":
        return { outcome: { kind: "revoked", serial: a.serial, reason: a.reason } };
      case "recordInterrupted":
        return recordInterrupted(x);
      case "upToDate":
        return upToDate(x, a.renewalTime, a.refreshOutputs);
      case "authorityDown":
        return authorityDown(x, a.error, "CAUnavailable");
      case "issue":
        return issue(x, a.decision);
      case "publishRequest":
        return publishRequest(x, a.decision, a.requestName, a.ask);
      case "awaitHandBack":
        if (a.invalid) emit(x, "Warning", "HandedBackCertificateInvalid", a.invalid);
        return { outcome: { kind: "awaiting", reason: a.reason, message: a.message } };
      case "acceptHandBack":
        return acceptHandBack(x, a.requestName, a.state);
    }
  }

  /** Composes the status for an outcome, writes it when it changed, and tells (Events, log, metrics). */
  private async show(x: ActContext, stored: Stored, outcome: Outcome, look: Look): Promise<CertificateStatus> {
    const before = stored.status;
    const status = statusFor(before, outcome, look);
    await this.writeStatus(x, stored, status);
    if (outcome.kind === "refused" && !sameStatus(before, status)) emit(x, "Warning", outcome.reason, outcome.message);
    if (outcome.kind === "failed") this.tellFailure(x, status, outcome, look);
    if (enteredNoticeWindow(before, status) && status.notAfter) {
      const notAfter = new Date(status.notAfter);
      const days = Math.max(0, Math.floor((notAfter.getTime() - look.now.getTime()) / 86_400_000));
      emit(x, "Warning", "ExpiryNotice", `certificate ${status.serialNumber} expires at ${notAfter.toISOString()} (in ${days} days)`);
    }
    if (x.world.cert) this.recordMetrics(x.world.cert, status, look);
    return status;
  }

  private tellFailure(x: ActContext, status: CertificateStatus, outcome: Extract<Outcome, { kind: "failed" }>, look: Look): void {
    // The same message each attempt, so the recorder counts one Event instead of writing many.
    emit(x, "Warning", outcome.reason, outcome.message);
    const notAfter = status.notAfter ? new Date(status.notAfter) : undefined;
    if (notAfter && inNoticeWindow(status, look)) {
      emit(x, "Warning", "ExpiringRenewalFailing", `certificate expires at ${notAfter.toISOString()} and renewal keeps failing: ${outcome.message}`);
    }
    x.log.warn({ err: outcome.message, attempts: status.failedIssuanceAttempts }, "Issuance failed");
  }

  /**
   * The one status write: a merge patch carrying the resourceVersion the decisions were computed
   * from, only when the status changed. If the Certificate changed meanwhile the API server
   * refuses (409) and the next reconcile decides again from the fresh object.
   */
  private async writeStatus(x: ActContext, stored: Stored, status: CertificateStatus): Promise<void> {
    if (sameStatus(stored.status, status)) return;
    x.guard();
    const { namespace, name } = x.cert.metadata;
    const body = { metadata: { resourceVersion: stored.resourceVersion }, status: mergePatchOf(stored.status, status) };
    const written = await x.kube.patch<KubeObject>(CERTIFICATES, namespace, name ?? "", body, { subresource: "status" });
    stored.status = status;
    stored.resourceVersion = written.metadata.resourceVersion;
    this.d.certificates.remember(`${namespace}/${name}`, written);
  }

  private actContext(raw: KubeObject, world: World, status: CertificateStatus, kube: KubeClient, rc: ReconcileContext): ActContext {
    return {
      // An object that does not parse is still named and addressed like a Certificate.
      cert: world.cert ?? (raw as Certificate),
      world,
      status,
      kube,
      signal: rc.signal,
      log: rc.log,
      deps: this.d,
      now: () => this.now(),
      // No side effect starts once leadership is lost: the next leader decides.
      guard: () => {
        if (rc.signal.aborted) throw new Error("leadership lost: not writing");
        rc.assertLeader();
      },
    };
  }

  private recordMetrics(cert: Certificate, status: CertificateStatus, look: Look): void {
    const notAfter = status.notAfter ? new Date(status.notAfter) : undefined;
    this.d.metrics?.recordCertificate({
      namespace: cert.metadata.namespace ?? "",
      name: cert.metadata.name ?? "",
      type: cert.spec.type,
      profile: cert.spec.raProfileRef.name,
      notAfter,
      renewalTime: status.renewalTime ? new Date(status.renewalTime) : undefined,
      ready: status.conditions?.find((c) => c.type === CONDITION.Ready)?.status === "True" ? "True" : "False",
      expiryNotice: inNoticeWindow(status, look),
      readyReason: status.conditions?.find((c) => c.type === CONDITION.Ready)?.reason,
    });
  }

  private now(): Date {
    return this.d.clock.now();
  }
}

/** Up to date: refresh derived outputs when they drifted, then show the certificate held. */
async function upToDate(x: ActContext, renewalTime: Date, refresh: boolean): Promise<ActResult> {
  const info = x.world.existing?.certificate;
  if (!info) throw new Error("up to date without a certificate");
  const problem = refresh ? await refreshOutputs(x, info.serialNumber) : undefined;
  if (problem) return failed(problem, problem.reason);
  return { outcome: { kind: "upToDate", info, renewalTime, renewalRequestId: x.world.desired?.renewalRequest?.id } };
}

/** When to look again: as the action asked, the retry time of a failure, else the renewal time or the start of the notice window. */
function requeue(result: ActResult, status: CertificateStatus, look: Look): ReconcileResult {
  const now = look.now.getTime();
  if (result.requeueAfterMs !== undefined) return { requeueAfterMs: result.requeueAfterMs };
  const o = result.outcome!;
  if (o.kind === "failed" && status.nextRetryTime) return { requeueAfterMs: Math.max(0, Date.parse(status.nextRetryTime) - now) };
  if (o.kind !== "issued" && o.kind !== "upToDate") return {};
  const notice = status.notAfter ? Date.parse(status.notAfter) - noticeMsFor(status, look) : Infinity;
  const next = Math.min(o.renewalTime.getTime(), notice > now ? notice : Infinity);
  return { requeueAfterMs: Math.max(0, next - now) };
}
