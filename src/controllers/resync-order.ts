// The order in which a new leader re-verifies every Certificate: the most urgent first, so that
// with thousands queued the ones due for renewal (or never issued) do not wait behind the rest.
import type { KubeObject } from "../kube/objects.ts";

interface WithRenewal extends KubeObject {
  status?: { renewalTime?: string };
}

/** Never issued (no renewal time) first, then by renewal time, earliest first; stable otherwise. */
export function mostUrgentFirst<T extends KubeObject>(certificates: readonly T[]): T[] {
  const due = (c: T) => {
    const t = Date.parse((c as WithRenewal).status?.renewalTime ?? "");
    return Number.isNaN(t) ? -Infinity : t;
  };
  return certificates
    .map((c, i) => ({ c, i, t: due(c) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.c);
}
