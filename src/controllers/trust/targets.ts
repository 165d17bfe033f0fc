// Which namespaces a profile's trust bundle goes to. The trust boundary: a ClusterRAProfile is
// written by cluster administrators and may publish wherever its selector points; an RAProfile
// belongs to one tenant, so beyond its own namespace it reaches only namespaces whose owners (who
// can label the Namespace) agreed with trust.certwright.dev/<its namespace>=true.
import { labelSelectorMatches, type LabelSelector } from "../../api/label-selector.ts";
import { TRUST_ACCEPT_LABEL_PREFIX } from "../../api/trust.ts";

export interface NamespaceView {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Being deleted: nothing is written there any more. */
  terminating: boolean;
}

export type TrustSource =
  | { kind: "ClusterRAProfile"; name: string; namespaceSelector?: LabelSelector | undefined; usableBy?: LabelSelector | undefined }
  | { kind: "RAProfile"; namespace: string; name: string; namespaceSelector?: LabelSelector | undefined };

/** The target namespace names, sorted. */
export function trustTargets(source: TrustSource, namespaces: readonly NamespaceView[]): string[] {
  const live = namespaces.filter((n) => !n.terminating);
  const picked =
    source.kind === "ClusterRAProfile"
      ? live.filter((n) => matches(source.namespaceSelector ?? source.usableBy, n.labels))
      : live.filter((n) => n.name === source.namespace || (source.namespaceSelector !== undefined && accepts(n, source.namespace) && labelSelectorMatches(source.namespaceSelector, n.labels)));
  return picked.map((n) => n.name).sort();
}

const matches = (selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>) => selector === undefined || labelSelectorMatches(selector, labels);

function accepts(n: NamespaceView, sourceNamespace: string): boolean {
  return n.labels[`${TRUST_ACCEPT_LABEL_PREFIX}${sourceNamespace}`] === "true";
}
