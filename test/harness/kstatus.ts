// The status that Flux (and `kubectl wait`-style tooling built on sigs.k8s.io/cli-utils) computes
// for a custom resource, reimplemented from kstatus's generic rules so the integration suite can
// check certwright's status the way those tools read it. Rules implemented, in kstatus's order
// (cli-utils pkg/kstatus/status, Compute in status.go, checkGenericProperties and checkGeneration
// in generic.go, checkReadyCondition in status.go; read at commit 5895ad6c):
//   1. metadata.deletionTimestamp set -> Terminating.
//   2. status.observedGeneration present and != metadata.generation -> InProgress
//      ("LatestGenerationNotObserved"). Absent observedGeneration skips this rule.
//   3. A condition Reconciling=True -> InProgress; else a condition Stalled=True -> Failed
//      (conditions are read in list order, the first match decides).
//   4. The built-in kinds' own rules (Deployment, Pod ...) do not apply to custom resources: skipped.
//   5. A Ready condition: True -> Current, False or Unknown -> InProgress.
//   6. Otherwise Current, including an object with no status at all: a just-created custom
//      resource reads Current until its controller writes a status. That is why certwright writes
//      a first status (Reconciling=True) as soon as it sees a Certificate or profile.
// Condition observedGeneration is not read by kstatus; it is checked apart (observedEverywhere).

export type KStatus = "InProgress" | "Failed" | "Current" | "Terminating";

export interface KStatusResult {
  status: KStatus;
  message: string;
}

interface ConditionLike {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface ObjectLike {
  metadata?: { generation?: number; deletionTimestamp?: string };
  status?: { observedGeneration?: number; conditions?: ConditionLike[] };
}

export function computeKStatus(obj: ObjectLike): KStatusResult {
  if (obj.metadata?.deletionTimestamp) return { status: "Terminating", message: "Resource scheduled for deletion" };
  const generation = obj.metadata?.generation;
  const observed = obj.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed !== generation) {
    return { status: "InProgress", message: `generation is ${generation}, but latest observed generation is ${observed}` };
  }
  return fromConditions(obj.status?.conditions ?? []);
}

function fromConditions(conditions: ConditionLike[]): KStatusResult {
  for (const c of conditions) {
    if (c.type === "Reconciling" && c.status === "True") return { status: "InProgress", message: c.message ?? "" };
    if (c.type === "Stalled" && c.status === "True") return { status: "Failed", message: c.message ?? "" };
  }
  const ready = conditions.find((c) => c.type === "Ready" && (c.status === "True" || c.status === "False" || c.status === "Unknown"));
  if (ready) return ready.status === "True" ? { status: "Current", message: "Resource is Ready" } : { status: "InProgress", message: ready.message ?? "" };
  return { status: "Current", message: "Resource is current" };
}

/**
 * Beyond kstatus: every condition, and the status itself, carry the object's generation, so a
 * reader can tell a stale condition from a fresh one (metav1.Condition's contract).
 */
export function observedEverywhere(obj: ObjectLike): string[] {
  const generation = obj.metadata?.generation;
  const stale: string[] = [];
  if (obj.status?.observedGeneration !== generation) stale.push(`status.observedGeneration=${obj.status?.observedGeneration}`);
  for (const c of obj.status?.conditions ?? []) {
    if (c.observedGeneration !== generation) stale.push(`${c.type}.observedGeneration=${c.observedGeneration}`);
  }
  return stale;
}
