// Reconciles RAProfile and ClusterRAProfile: makes the authority usable (the local CA is created
// on first use), publishes Ready, the CA certificate and its validity, the connector's
// capabilities, warns when the CA nears its end, and nudges the Certificates that use the profile.
import type { RAProfileStatus } from "../../api/ra-profile.ts";
import { API_VERSION, InvalidResourceError, parseClusterRAProfile, parseRAProfile } from "../../api/resources.ts";
import { CAReason, CaValidityError, caNoticeWindowMs, type CaValidity } from "../../connectors/ca-validity.ts";
import { ConnectorError, type Connector } from "../../connectors/connector.ts";
import type { CrlPublisher } from "./crl-publisher.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Informer } from "../../kube/informer.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { ResourceType } from "../../kube/resources.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import type { EventSink } from "../../runtime/events.ts";
import { splitKey } from "../../runtime/keys.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { mergePatchOf, sameStatus } from "../certificate/status.ts";
import { CA_RECHECK_INTERVAL_MS, caStatus, caValidityOfPem, type CaStatus } from "./ca-status.ts";
import { profileConditions } from "./profile-status.ts";

export interface ProfileReconcilerDeps {
  kind: "RAProfile" | "ClusterRAProfile";
  resource: ResourceType;
  informer: Informer<KubeObject>;
  client: KubeClient;
  connectors: ConnectorRegistry;
  clock: Clock;
  clusterResourceNamespace: string;
  /** Called after a profile changed state, to re-check the Certificates that use it. */
  onProfileChanged(kind: string, namespace: string | undefined, name: string): void;
  crls: CrlPublisher;
  events?: EventSink;
  metrics?: Metrics;
}

/** What one evaluation looks at besides the object. */
interface Look {
  generation: number;
  now: Date;
  recheckMs: number | undefined;
  noticeMs: number;
}

interface Evaluation {
  status: RAProfileStatus;
  retry: boolean;
  refreshInMs?: number;
  ca?: { validity: CaValidity; view: CaStatus };
}

/** How soon a failing authority is probed again. */
export const PROBE_WHILE_FAILING_MS = 10_000;

export class ProfileReconciler implements Reconciler {
  private readonly d: ProfileReconcilerDeps;

  constructor(deps: ProfileReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, rc: ReconcileContext): Promise<ReconcileResult> {
    const raw = this.d.informer.get(key);
    if (!raw) {
      const { namespace, name } = splitKey(key);
      this.d.metrics?.forgetCa(this.d.kind, namespace ?? "", name);
      return {};
    }
    const kube = this.d.client.withSignal(rc.signal);
    const before = await this.firstStatus(raw, kube);
    const { status, retry, refreshInMs, ca } = await this.evaluate(raw, before, rc.signal);
    const ready = status.conditions?.find((c) => c.type === "Ready");
    if (ready?.status === "False") rc.log.warn({ reason: ready.reason, err: ready.message }, "RA profile not ready");
    if (!sameStatus(before, status)) {
      await kube.patchStatus(this.d.resource, raw.metadata.namespace, raw.metadata.name ?? "", mergePatchOf(before, status));
      this.d.onProfileChanged(this.d.kind, raw.metadata.namespace, raw.metadata.name ?? "");
    }
    if (ca) this.reportCa(raw, ca);
    // A failing authority is asked again soon, so Ready turns True again within one interval of
    // its return, and the Certificates waiting on it are re-queued by onProfileChanged.
    if (retry) return { requeueAfterMs: PROBE_WHILE_FAILING_MS };
    return refreshInMs === undefined ? {} : { requeueAfterMs: Math.max(1000, refreshInMs) };
  }

  /**
   * A profile seen for the first time shows Reconciling=True before its authority is asked (that
   * may take a while), so no reader takes a profile without status for a ready one.
   */
  private async firstStatus(raw: KubeObject, kube: KubeClient): Promise<RAProfileStatus> {
    const stored = (raw as { status?: RAProfileStatus }).status ?? {};
    if (stored.conditions?.length) return stored;
    const generation = raw.metadata.generation ?? 0;
    const status = { ...stored, observedGeneration: generation, conditions: profileConditions(undefined, { kind: "probing" }, generation, this.d.clock.now()) };
    await kube.patchStatus(this.d.resource, raw.metadata.namespace, raw.metadata.name ?? "", mergePatchOf(stored, status));
    return status;
  }

  /** Prepares the profile's connector and describes the outcome as status. */
  private async evaluate(raw: KubeObject, before: RAProfileStatus, signal: AbortSignal): Promise<Evaluation> {
    const look: Look = {
      generation: raw.metadata.generation ?? 0,
      now: this.d.clock.now(),
      // The CA Secret is not watched and a remote authority may go away: each is asked again at
      // this interval (and on any change, and when a Certificate finds it failing).
      recheckMs: (raw as { spec?: { authority?: { type?: string } } }).spec?.authority?.type === "manual" ? undefined : CA_RECHECK_INTERVAL_MS,
      noticeMs: caNoticeWindowMs(undefined),
    };
    try {
      return await this.evaluateReady(raw, before, look, signal);
    } catch (e) {
      return this.evaluateFailure(e, before, look);
    }
  }

  private async evaluateReady(raw: KubeObject, before: RAProfileStatus, look: Look, signal: AbortSignal): Promise<Evaluation> {
    const obj = this.d.kind === "RAProfile" ? parseRAProfile(raw) : parseClusterRAProfile(raw);
    look.noticeMs = caNoticeWindowMs(obj.spec.defaults);
    const connector = this.d.connectors.get({
      kind: this.d.kind,
      name: raw.metadata.name ?? "",
      secretNamespace: this.secretNamespace(raw),
      uid: raw.metadata.uid ?? "",
      generation: look.generation,
      spec: obj.spec,
    });
    const { caPem } = await connector.prepare({ fresh: true, signal });
    await connector.probe({ signal });
    const crl = connector.capabilities.has("crl") ? await this.publishCrl(raw, connector) : undefined;
    const enabled = obj.spec.enabled;
    const ca = this.caView(before, caValidityOfPem(caPem), look);
    const message = enabled ? `${connector.type} authority ready` : "authority ready, but the profile is disabled";
    const status: RAProfileStatus = {
      ...before,
      ...ca?.view.fields,
      observedGeneration: look.generation,
      authorityType: obj.spec.authority.type,
      caCertificate: caPem,
      capabilities: [...connector.capabilities],
      crlNumber: crl?.crlNumber ?? before.crlNumber,
      conditions: profileConditions(ca?.view.conditions ?? before.conditions, { kind: enabled ? "ready" : "disabled", message }, look.generation, look.now),
    };
    return { status, retry: false, refreshInMs: earliest(crl?.refreshInMs, ca?.view.nextLookMs, look.recheckMs), ca };
  }

  private evaluateFailure(e: unknown, before: RAProfileStatus, look: Look): Evaluation {
    const reason = e instanceof ConnectorError ? e.reason : "InvalidProfile";
    const retry = e instanceof ConnectorError ? e.retryable : !(e instanceof InvalidResourceError);
    // An expired or not yet valid CA still shows its dates, and flips at notBefore by itself.
    const ca = this.caView(before, e instanceof CaValidityError ? e.validity : undefined, look);
    const conditions = profileConditions(ca?.view.conditions ?? before.conditions, { kind: "failing", reason, message: (e as Error).message, retry }, look.generation, look.now);
    const status = { ...before, ...ca?.view.fields, observedGeneration: look.generation, conditions };
    return { status, retry, refreshInMs: earliest(ca?.view.nextLookMs, look.recheckMs), ca };
  }

  private caView(before: RAProfileStatus, validity: CaValidity | undefined, look: Look): Evaluation["ca"] {
    return validity ? { validity, view: caStatus(before.conditions, validity, look.noticeMs, look.now, look.generation) } : undefined;
  }

  /** The CA metric, and one Warning Event when the notice window is entered. */
  private reportCa(raw: KubeObject, ca: { validity: CaValidity; view: CaStatus }): void {
    const name = raw.metadata.name ?? "";
    const namespace = this.d.kind === "RAProfile" ? (raw.metadata.namespace ?? "") : "";
    this.d.metrics?.recordCa({ kind: this.d.kind, namespace, profile: name, notAfter: ca.validity.notAfter, expiryNotice: ca.view.inWindow });
    if (!ca.view.entered) return;
    this.d.events?.emit(
      { apiVersion: raw.apiVersion ?? API_VERSION, kind: this.d.kind, namespace: raw.metadata.namespace, name, uid: raw.metadata.uid },
      { type: "Warning", reason: CAReason.ExpiringSoon, message: ca.view.message },
    );
  }

  /** RAProfiles keep their Secrets beside them; ClusterRAProfiles in the cluster resource namespace. */
  private secretNamespace(raw: KubeObject): string {
    return this.d.kind === "RAProfile" ? (raw.metadata.namespace ?? "") : this.d.clusterResourceNamespace;
  }

  private publishCrl(raw: KubeObject, connector: Connector) {
    const name = raw.metadata.name ?? "";
    const namespace = this.secretNamespace(raw);
    const path = this.d.kind === "RAProfile" ? `/crl/${namespace}/${name}.crl` : `/crl/${name}.crl`;
    return this.d.crls.ensureFresh({ namespace, configMapName: `${name}-crl`, path }, connector, this.d.clock.now());
  }
}

function earliest(...ms: (number | undefined)[]): number | undefined {
  const known = ms.filter((m): m is number => m !== undefined);
  return known.length > 0 ? Math.min(...known) : undefined;
}
