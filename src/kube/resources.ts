// Where each kind lives in the REST API. One descriptor per resource we touch.
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const SECRETS: ResourceType = { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true };
export const CONFIG_MAPS: ResourceType = { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true };
export const NAMESPACES: ResourceType = { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false };
export const EVENTS: ResourceType = { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true };
export const LEASES: ResourceType = { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true };
export const CRDS: ResourceType = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

export function apiVersionOf(r: ResourceType): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** The collection path, e.g. /apis/certwright.dev/v1alpha1/namespaces/ns/certificates. */
export function collectionPath(r: ResourceType, namespace?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${r.plural}`;
}

export function objectPath(r: ResourceType, namespace: string | undefined, name: string, subresource?: string): string {
  const sub = subresource ? `/${subresource}` : "";
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}${sub}`;
}

/** The resource (plural, plus "/status" for the subresource) a REST path addresses, for metrics. */
export function resourceOfPath(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  // Drop "api/v1" or "apis/<group>/<version>", then "namespaces/<ns>" when a resource follows.
  let rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  if (rest[0] === "namespaces" && rest.length > 2) rest = rest.slice(2);
  const [resource = "unknown", , sub] = rest;
  return sub ? `${resource}/${sub}` : resource;
}
