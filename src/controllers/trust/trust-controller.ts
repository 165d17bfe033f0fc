// The trust-distribution controller: which events make a profile's bundles be looked at again.
// A profile's CA (status.caCertificate) or spec changes, a namespace appears or is relabelled,
// a CRL is re-signed, or someone edits or deletes a bundle: the profile is reconciled.
import { Informer, type InformerOptions } from "../../kube/informer.ts";
import { CONFIG_MAPS } from "../../kube/resources.ts";
import { MANAGED_BY_LABEL } from "../../kube/secret-store.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Clock } from "../../runtime/clock.ts";
import { Controller, type ControllerOptions } from "../../runtime/controller.ts";
import type { EventSink } from "../../runtime/events.ts";
import { WorkQueue } from "../../runtime/work-queue.ts";
import { sourceOf, type ConfigMap, type SourceRef } from "./bundle.ts";
import type { NamespaceView } from "./targets.ts";
import { sourceKey, TrustReconciler } from "./trust-reconciler.ts";

export interface TrustControllerParts {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  metrics?: ControllerOptions["metrics"];
  fence?: ControllerOptions["fence"];
  raProfiles: Informer<KubeObject>;
  clusterProfiles: Informer<KubeObject>;
  namespaces: Informer<KubeObject>;
  /** Where the operator watches (its namespace, or all) and how watch errors are reported. */
  scope: Pick<InformerOptions, "namespace" | "onError">;
  clusterResourceNamespace: string;
  /** With the operator restricted to one namespace, bundles go there only. */
  onlyNamespace?: string | undefined;
  events: EventSink;
}

const hasTrust = (o: KubeObject) => (o as { spec?: { trust?: unknown } }).spec?.trust !== undefined;

/** The controller, and the informer of certwright's ConfigMaps it reads (a source for the manager). */
export function buildTrustController(p: TrustControllerParts): { controller: Controller; configMaps: Informer<ConfigMap> } {
  // Only certwright's ConfigMaps (CRLs, trust bundles): never cache every ConfigMap of the cluster.
  const configMaps = new Informer<ConfigMap>(p.client, CONFIG_MAPS, { ...p.scope, labelSelector: `${MANAGED_BY_LABEL}=certwright` });
  const ra = (o: KubeObject): SourceRef => ({ kind: "RAProfile", namespace: o.metadata.namespace ?? "", name: o.metadata.name ?? "" });
  const cluster = (o: KubeObject): SourceRef => ({ kind: "ClusterRAProfile", namespace: "", name: o.metadata.name ?? "" });
  const reconciler = new TrustReconciler({
    client: p.client,
    raProfile: (ns, name) => p.raProfiles.get(`${ns}/${name}`),
    clusterRAProfile: (name) => p.clusterProfiles.get(name),
    namespaces: () => p.namespaces.list().filter((n) => p.onlyNamespace === undefined || n.metadata.name === p.onlyNamespace).map(namespaceView),
    configMap: (ns, name) => configMaps.get(`${ns}/${name}`),
    configMaps: () => configMaps.list(),
    clusterResourceNamespace: p.clusterResourceNamespace,
    events: p.events,
  });
  const profilesWithTrust = () => [...p.raProfiles.list().filter(hasTrust).map(ra), ...p.clusterProfiles.list().filter(hasTrust).map(cluster)];
  const c = new Controller({
    name: "trust",
    queue: new WorkQueue({ clock: p.clock }),
    workers: 1,
    log: p.log,
    metrics: p.metrics,
    fence: p.fence,
    reconciler,
    // Bundles whose profile went while no replica led are found through their ConfigMaps.
    resync: () => new Set([...profilesWithTrust(), ...configMaps.list().flatMap((cm) => sourceOf(cm) ?? [])].map(sourceKey)),
  });
  const enqueue = (s: SourceRef) => c.enqueue(sourceKey(s));
  const onProfile = (ref: (o: KubeObject) => SourceRef) => ({
    onAdd: (o: KubeObject) => enqueue(ref(o)),
    onUpdate: (_a: KubeObject, b: KubeObject) => enqueue(ref(b)),
    onDelete: (o: KubeObject) => enqueue(ref(o)),
  });
  p.raProfiles.addHandlers(onProfile(ra));
  p.clusterProfiles.addHandlers(onProfile(cluster));
  const everyProfile = () => profilesWithTrust().forEach(enqueue);
  p.namespaces.addHandlers({ onAdd: everyProfile, onUpdate: (a, b) => sameLabels(a, b) || everyProfile(), onDelete: everyProfile });
  const onConfigMap = (cm: ConfigMap) => {
    const s = sourceOf(cm);
    if (s) return enqueue(s);
    // A profile's CRL (<profile>-crl, beside the profile or in the cluster resource namespace) was re-signed.
    const name = cm.metadata.name ?? "";
    if (!name.endsWith("-crl")) return;
    const profile = name.slice(0, -"-crl".length);
    const ns = cm.metadata.namespace ?? "";
    if (p.raProfiles.get(`${ns}/${profile}`)) enqueue({ kind: "RAProfile", namespace: ns, name: profile });
    if (ns === p.clusterResourceNamespace && p.clusterProfiles.get(profile)) enqueue({ kind: "ClusterRAProfile", namespace: "", name: profile });
  };
  configMaps.addHandlers({ onAdd: onConfigMap, onUpdate: (_a, b) => onConfigMap(b), onDelete: onConfigMap });
  return { controller: c, configMaps };
}

function namespaceView(n: KubeObject): NamespaceView {
  return { name: n.metadata.name ?? "", labels: n.metadata.labels ?? {}, terminating: n.metadata.deletionTimestamp !== undefined || (n as { status?: { phase?: string } }).status?.phase === "Terminating" };
}

function sameLabels(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata.labels ?? {};
  const y = b.metadata.labels ?? {};
  return Object.keys(x).length === Object.keys(y).length && Object.entries(x).every(([k, v]) => y[k] === v) && a.metadata.deletionTimestamp === b.metadata.deletionTimestamp;
}
