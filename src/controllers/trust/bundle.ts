// The trust-bundle ConfigMap: what certwright writes, and how it recognises its own. A ConfigMap
// is ours only when it carries this profile's source label and annotations: any other ConfigMap
// of that name (someone's, or another profile's bundle) is never overwritten nor deleted.
import { createHash } from "node:crypto";
import type { KubeObject } from "../../kube/objects.ts";
import { MANAGED_BY_LABEL } from "../../kube/secret-store.ts";

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** The profile a bundle comes from (namespace "" for a ClusterRAProfile). */
export interface SourceRef {
  kind: "RAProfile" | "ClusterRAProfile";
  namespace: string;
  name: string;
}

/** Label holding a hash of the source (a profile's name may be longer than a label value). */
export const TRUST_SOURCE_LABEL = "certwright.dev/trust-source";
export const A_SOURCE_KIND = "certwright.dev/trust-source-kind";
export const A_SOURCE_NAMESPACE = "certwright.dev/trust-source-namespace";
export const A_SOURCE_NAME = "certwright.dev/trust-source-name";

export const CA_KEY = "ca.crt";
export const CRL_KEY = "ca.crl";

/** 40 hex characters: fits a label value, and distinct per profile. */
export function sourceHash(s: SourceRef): string {
  return createHash("sha256").update(`${s.kind}/${s.namespace}/${s.name}`).digest("hex").slice(0, 40);
}

/** The source a trust ConfigMap names, or undefined when it is not a trust bundle. */
export function sourceOf(cm: KubeObject): SourceRef | undefined {
  const a = cm.metadata.annotations ?? {};
  const kind = a[A_SOURCE_KIND];
  const name = a[A_SOURCE_NAME];
  if ((kind !== "RAProfile" && kind !== "ClusterRAProfile") || !name || !cm.metadata.labels?.[TRUST_SOURCE_LABEL]) return undefined;
  const s = { kind, namespace: a[A_SOURCE_NAMESPACE] ?? "", name } as const;
  return sourceHash(s) === cm.metadata.labels[TRUST_SOURCE_LABEL] ? s : undefined;
}

/** True when the ConfigMap is this profile's bundle (so it may be updated and deleted). */
export function ownedBy(cm: KubeObject, s: SourceRef): boolean {
  const got = sourceOf(cm);
  return got !== undefined && got.kind === s.kind && got.namespace === s.namespace && got.name === s.name;
}

/** The ConfigMap to write into `namespace`. */
export function bundleConfigMap(s: SourceRef, namespace: string, name: string, data: Record<string, string>): ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY_LABEL]: "certwright", [TRUST_SOURCE_LABEL]: sourceHash(s) },
      annotations: { [A_SOURCE_KIND]: s.kind, [A_SOURCE_NAMESPACE]: s.namespace, [A_SOURCE_NAME]: s.name },
    },
    data,
  };
}

/** True when the stored ConfigMap already holds exactly this data. */
export function sameData(cm: ConfigMap, data: Record<string, string>): boolean {
  const have = cm.data ?? {};
  const keys = Object.keys(data);
  return Object.keys(have).length === keys.length && keys.every((k) => have[k] === data[k]);
}
