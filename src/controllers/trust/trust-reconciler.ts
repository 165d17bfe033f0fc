// Publishes a profile's trust bundle (CA chain, optionally its CRL) as ConfigMaps into its target
// namespaces, keeps them equal to the profile's current CA and CRL, and deletes its bundles from
// namespaces no longer targeted or when the profile is gone. A ConfigMap of that name that is
// not this profile's bundle is left alone and reported (a Warning Event on the profile).
import { API_VERSION, parseClusterRAProfile, parseRAProfile } from "../../api/resources.ts";
import type { TrustDistribution } from "../../api/trust.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { CONFIG_MAPS } from "../../kube/resources.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import type { EventSink } from "../../runtime/events.ts";
import { bundleConfigMap, CA_KEY, CRL_KEY, ownedBy, sameData, type ConfigMap, type SourceRef } from "./bundle.ts";
import { trustTargets, type NamespaceView, type TrustSource } from "./targets.ts";

/** A CRL bigger than this is not copied (a ConfigMap holds at most 1 MiB, with the CA chain beside it). */
export const MAX_CRL_PEM_BYTES = 512 * 1024;
export const NOT_OWNED_REASON = "TrustConfigMapNotOwned";

export interface TrustReconcilerDeps {
  client: KubeClient;
  raProfile(namespace: string, name: string): KubeObject | undefined;
  clusterRAProfile(name: string): KubeObject | undefined;
  namespaces(): NamespaceView[];
  /** certwright's ConfigMaps (trust bundles and CRLs), from the informer. */
  configMap(namespace: string, name: string): ConfigMap | undefined;
  configMaps(): ConfigMap[];
  clusterResourceNamespace: string;
  events: EventSink;
}

/** Queue keys: RAProfile/<namespace>/<name>, ClusterRAProfile//<name>. */
export function sourceKey(s: SourceRef): string {
  return `${s.kind}/${s.namespace}/${s.name}`;
}

export function parseSourceKey(key: string): SourceRef {
  const [kind, namespace = "", ...rest] = key.split("/");
  return { kind: kind === "ClusterRAProfile" ? "ClusterRAProfile" : "RAProfile", namespace, name: rest.join("/") };
}

interface Plan {
  configMapName: string;
  targets: string[];
  data: Record<string, string>;
}

export class TrustReconciler implements Reconciler {
  private readonly d: TrustReconcilerDeps;

  constructor(deps: TrustReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string, rc: ReconcileContext): Promise<ReconcileResult> {
    const src = parseSourceKey(key);
    const raw = src.kind === "RAProfile" ? this.d.raProfile(src.namespace, src.name) : this.d.clusterRAProfile(src.name);
    const plan = raw ? this.plan(src, raw) : { configMapName: "", targets: [], data: {} };
    // An invalid spec, or no CA yet: what was published stays until there is something better.
    if (plan === undefined) return {};
    const kube = this.d.client.withSignal(rc.signal);
    const failures: string[] = [];
    for (const ns of plan.targets) {
      try {
        await this.publish(kube, src, raw!, ns, plan);
      } catch (e) {
        failures.push(`${ns}: ${(e as Error).message}`);
      }
    }
    for (const cm of this.d.configMaps()) {
      const ns = cm.metadata.namespace ?? "";
      const wanted = cm.metadata.name === plan.configMapName && plan.targets.includes(ns);
      if (wanted || !ownedBy(cm, src)) continue;
      rc.assertLeader();
      await kube.delete(CONFIG_MAPS, ns, cm.metadata.name ?? "", { uid: cm.metadata.uid });
      rc.log.info({ namespace: ns, configMap: cm.metadata.name, source: key }, "removed trust bundle");
    }
    // Retried with back-off; the namespaces that worked are done.
    if (failures.length > 0) throw new Error(`trust bundle not published to ${failures.join("; ")}`);
    return {};
  }

  private plan(src: SourceRef, raw: KubeObject): Plan | undefined {
    let trust: TrustDistribution | undefined;
    let source: TrustSource;
    try {
      if (src.kind === "RAProfile") {
        trust = parseRAProfile(raw).spec.trust;
        source = { kind: "RAProfile", namespace: src.namespace, name: src.name, namespaceSelector: trust?.namespaceSelector };
      } else {
        const p = parseClusterRAProfile(raw);
        trust = p.spec.trust;
        source = { kind: "ClusterRAProfile", name: src.name, namespaceSelector: trust?.namespaceSelector, usableBy: p.spec.namespaceSelector };
      }
    } catch {
      return undefined;
    }
    if (!trust || raw.metadata.deletionTimestamp) return { configMapName: "", targets: [], data: {} };
    const ca = (raw as { status?: { caCertificate?: string } }).status?.caCertificate;
    if (!ca) return undefined;
    const data: Record<string, string> = { [CA_KEY]: ca };
    if (trust.includeCRL) {
      const crlNamespace = src.kind === "RAProfile" ? src.namespace : this.d.clusterResourceNamespace;
      const crl = this.d.configMap(crlNamespace, `${src.name}-crl`)?.data?.[CRL_KEY];
      if (crl && Buffer.byteLength(crl) <= MAX_CRL_PEM_BYTES) data[CRL_KEY] = crl;
    }
    return { configMapName: trust.configMapName, targets: trustTargets(source, this.d.namespaces()), data };
  }

  private async publish(kube: KubeClient, src: SourceRef, profile: KubeObject, ns: string, plan: Plan): Promise<void> {
    const body = bundleConfigMap(src, ns, plan.configMapName, plan.data);
    const cached = this.d.configMap(ns, plan.configMapName);
    const existing = cached ?? (await this.createOrFind(kube, body));
    if (!existing) return; // created
    if (!ownedBy(existing, src)) return this.refuse(profile, src, ns, plan.configMapName);
    if (sameData(existing, plan.data)) return;
    await kube.replace(CONFIG_MAPS, { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } });
  }

  /** Creates the ConfigMap; when one exists already (not cached: not labelled ours), returns it. */
  private async createOrFind(kube: KubeClient, body: ConfigMap): Promise<ConfigMap | undefined> {
    try {
      await kube.create(CONFIG_MAPS, body);
      return undefined;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      return kube.find<ConfigMap>(CONFIG_MAPS, body.metadata.namespace, body.metadata.name ?? "");
    }
  }

  private refuse(profile: KubeObject, src: SourceRef, ns: string, name: string): void {
    this.d.events.emit(
      { apiVersion: profile.apiVersion ?? API_VERSION, kind: src.kind, namespace: src.kind === "RAProfile" ? src.namespace : undefined, name: src.name, uid: profile.metadata.uid },
      {
        type: "Warning",
        reason: NOT_OWNED_REASON,
        message: `ConfigMap ${ns}/${name} exists and is not this profile's trust bundle: left unchanged; delete it or choose another spec.trust.configMapName`,
      },
    );
  }
}
