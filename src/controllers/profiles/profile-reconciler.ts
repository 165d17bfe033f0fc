// Reconciles RAProfile and ClusterRAProfile: makes the authority usable (the local CA is created
// on first use), publishes Ready, the CA certificate and the connector's capabilities, and
// nudges the Certificates that use the profile.
import type { RAProfileStatus } from "../../api/ra-profile.ts";
import { setCondition } from "../../api/conditions.ts";
import { parseClusterRAProfile, parseRAProfile } from "../../api/resources.ts";
import { ConnectorError } from "../../connectors/connector.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Informer } from "../../kube/informer.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { ResourceType } from "../../kube/resources.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { sameStatus } from "../certificate/status.ts";

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
}

export class ProfileReconciler implements Reconciler {
  private readonly d: ProfileReconcilerDeps;

  constructor(deps: ProfileReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, rc: ReconcileContext): Promise<ReconcileResult> {
    const raw = this.d.informer.get(key);
    if (!raw) return {};
    const generation = raw.metadata.generation ?? 0;
    const before = ((raw as { status?: RAProfileStatus }).status ?? {});
    let status: RAProfileStatus;
    let retry = false;
    try {
      const obj = this.d.kind === "RAProfile" ? parseRAProfile(raw) : parseClusterRAProfile(raw);
      const connector = this.d.connectors.get({
        kind: this.d.kind,
        name: raw.metadata.name ?? "",
        secretNamespace: this.d.kind === "RAProfile" ? (raw.metadata.namespace ?? "") : this.d.clusterResourceNamespace,
        uid: raw.metadata.uid ?? "",
        generation,
        spec: obj.spec,
      });
      const { caPem } = await connector.prepare();
      const message = obj.spec.enabled ? `${connector.type} authority ready` : "authority ready, but the profile is disabled";
      status = {
        ...before,
        authorityType: obj.spec.authority.type,
        caCertificate: caPem,
        capabilities: [...connector.capabilities],
        conditions: this.ready(before, obj.spec.enabled, obj.spec.enabled ? "Ready" : "Disabled", message, generation),
      };
    } catch (e) {
      const reason = e instanceof ConnectorError ? e.reason : "InvalidProfile";
      retry = !(e instanceof ConnectorError) || e.retryable;
      status = { ...before, conditions: this.ready(before, false, reason, (e as Error).message, generation) };
      rc.log.warn({ reason }, "RA profile not ready");
    }
    status.observedGeneration = generation;
    if (!sameStatus(before, status)) {
      await this.d.client.patchStatus(this.d.resource, raw.metadata.namespace, raw.metadata.name ?? "", status);
      this.d.onProfileChanged(this.d.kind, raw.metadata.namespace, raw.metadata.name ?? "");
    }
    if (retry) throw new Error(`profile ${key} not ready`);
    return {};
  }

  private ready(before: RAProfileStatus, ok: boolean, reason: string, message: string, generation: number) {
    return setCondition(before.conditions, { type: "Ready", status: ok ? "True" : "False", reason, message, observedGeneration: generation }, this.d.clock.now());
  }
}
