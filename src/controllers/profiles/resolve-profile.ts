// Finds the RA profile a Certificate names and checks it may be used from the Certificate's
// namespace. Answers with the profile or with a condition-ready refusal.
import { labelSelectorMatches } from "../../api/label-selector.ts";
import type { RAProfileSpec } from "../../api/ra-profile.ts";
import type { ClusterRAProfile, RAProfile } from "../../api/resources.ts";
import { parseClusterRAProfile, parseRAProfile } from "../../api/resources.ts";
import type { KubeObject } from "../../kube/objects.ts";

export interface ResolvedProfile {
  kind: "RAProfile" | "ClusterRAProfile";
  name: string;
  /** Where the profile's Secrets (e.g. the local CA) live. */
  secretNamespace: string;
  uid: string;
  generation: number;
  spec: RAProfileSpec;
  caCertificate?: string;
  /** When the profile's Ready last turned True (its authority answered again), if it is Ready. */
  readySince?: string;
  /** The CA certificate's validity as the profile last saw it: a leaf must end by caNotAfter. */
  caNotBefore?: Date;
  caNotAfter?: Date;
}

export interface Refusal {
  reason: "ProfileNotFound" | "ProfileNotAllowed" | "ProfileDisabled" | "ProfileInvalid";
  message: string;
}

export interface ProfileLookup {
  raProfile(namespace: string, name: string): unknown;
  clusterRAProfile(name: string): unknown;
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  clusterResourceNamespace: string;
}

export function resolveProfile(
  ref: { name: string; kind: "RAProfile" | "ClusterRAProfile" },
  namespace: string,
  lookup: ProfileLookup,
): ResolvedProfile | Refusal {
  const raw = ref.kind === "RAProfile" ? lookup.raProfile(namespace, ref.name) : lookup.clusterRAProfile(ref.name);
  const where = ref.kind === "RAProfile" ? ` in namespace ${namespace}` : "";
  if (!raw) return { reason: "ProfileNotFound", message: `${ref.kind} ${ref.name} not found${where}` };
  let obj: RAProfile | ClusterRAProfile;
  try {
    obj = ref.kind === "RAProfile" ? parseRAProfile(raw) : parseClusterRAProfile(raw);
  } catch (e) {
    return { reason: "ProfileInvalid", message: `${ref.kind} ${ref.name} is invalid: ${(e as Error).message}` };
  }
  if (obj.kind === "ClusterRAProfile" && obj.spec.namespaceSelector) {
    const labels = lookup.namespaceLabels(namespace) ?? {};
    if (!labelSelectorMatches(obj.spec.namespaceSelector, labels)) {
      return { reason: "ProfileNotAllowed", message: `ClusterRAProfile ${ref.name} does not allow namespace ${namespace}` };
    }
  }
  if (!obj.spec.enabled) return { reason: "ProfileDisabled", message: `${ref.kind} ${ref.name} is disabled` };
  const meta = (raw as KubeObject).metadata;
  return {
    kind: ref.kind,
    name: ref.name,
    secretNamespace: ref.kind === "RAProfile" ? namespace : lookup.clusterResourceNamespace,
    uid: meta.uid ?? "",
    generation: meta.generation ?? 0,
    spec: obj.spec,
    ...caOf(obj.status),
  };
}

function caOf(status: RAProfile["status"]): Pick<ResolvedProfile, "caCertificate" | "caNotBefore" | "caNotAfter" | "readySince"> {
  const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));
  const readySince = status?.conditions?.find((c) => c.type === "Ready" && c.status === "True")?.lastTransitionTime;
  return { caCertificate: status?.caCertificate, caNotBefore: date(status?.caNotBefore), caNotAfter: date(status?.caNotAfter), readySince };
}

export function isRefusal(r: ResolvedProfile | Refusal): r is Refusal {
  return "reason" in r;
}
