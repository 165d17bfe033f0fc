// Reconciles RAProfile and ClusterRAProfile: makes the authority usable (the local CA is created
// on first use), publishes Ready, the CA certificate and the connector's capabilities, and
// nudges the Certificates that use the profile.
import type { RAProfileStatus } from "../../api/ra-profile.ts";
import { setCondition } from "../../api/conditions.ts";
import { InvalidResourceError, parseClusterRAProfile, parseRAProfile } from "../../api/resources.ts";
import { ConnectorError, type Connector } from "../../connectors/connector.ts";
import type { CrlPublisher } from "./crl-publisher.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Informer } from "../../kube/informer.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { ResourceType } from "../../kube/resources.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { mergePatchOf, sameStatus } from "../certificate/status.ts";

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
}

export class ProfileReconciler implements Reconciler {
  private readonly d: ProfileReconcilerDeps;

  constructor(deps: ProfileReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, rc: ReconcileContext): Promise<ReconcileResult> {
    const raw = this.d.informer.get(key);
    if (!raw) return {};
    const before = (raw as { status?: RAProfileStatus }).status ?? {};
    const { status, retry, refreshInMs } = await this.evaluate(raw, before);
    const ready = status.conditions?.find((c) => c.type === "Ready");
    if (ready?.status === "False") rc.log.warn({ reason: ready.reason, err: ready.message }, "RA profile not ready");
    if (!sameStatus(before, status)) {
      await this.d.client.patchStatus(this.d.resource, raw.metadata.namespace, raw.metadata.name ?? "", mergePatchOf(before, status));
      this.d.onProfileChanged(this.d.kind, raw.metadata.namespace, raw.metadata.name ?? "");
    }
    // A retryable failure (e.g. the CA Secret could not be written) goes back with back-off.
    if (retry) throw new Error(`profile ${key} not ready`);
    return refreshInMs === undefined ? {} : { requeueAfterMs: Math.max(1000, refreshInMs) };
  }

  /** Prepares the profile's connector and describes the outcome as status. */
  private async evaluate(raw: KubeObject, before: RAProfileStatus): Promise<{ status: RAProfileStatus; retry: boolean; refreshInMs?: number }> {
    const generation = raw.metadata.generation ?? 0;
    try {
      const obj = this.d.kind === "RAProfile" ? parseRAProfile(raw) : parseClusterRAProfile(raw);
      const connector = this.d.connectors.get({
        kind: this.d.kind,
        name: raw.metadata.name ?? "",
        secretNamespace: this.secretNamespace(raw),
        uid: raw.metadata.uid ?? "",
        generation,
        spec: obj.spec,
      });
      const { caPem } = await connector.prepare();
      const crl = connector.capabilities.has("crl") ? await this.publishCrl(raw, connector) : undefined;
      const enabled = obj.spec.enabled;
      const message = enabled ? `${connector.type} authority ready` : "authority ready, but the profile is disabled";
      const status: RAProfileStatus = {
        ...before,
        observedGeneration: generation,
        authorityType: obj.spec.authority.type,
        caCertificate: caPem,
        capabilities: [...connector.capabilities],
        crlNumber: crl?.crlNumber ?? before.crlNumber,
        conditions: this.ready(before, enabled, enabled ? "Ready" : "Disabled", message, generation),
      };
      return { status, retry: false, refreshInMs: crl?.refreshInMs };
    } catch (e) {
      const reason = e instanceof ConnectorError ? e.reason : "InvalidProfile";
      const retry = e instanceof ConnectorError ? e.retryable : !(e instanceof InvalidResourceError);
      const conditions = this.ready(before, false, reason, (e as Error).message, generation);
      return { status: { ...before, observedGeneration: generation, conditions }, retry };
    }
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

  private ready(before: RAProfileStatus, ok: boolean, reason: string, message: string, generation: number) {
    return setCondition(before.conditions, { type: "Ready", status: ok ? "True" : "False", reason, message, observedGeneration: generation }, this.d.clock.now());
  }
}
