// metav1.Condition, with the API server's own validation, and pure helpers to update a list.
import { z } from "zod";

// Patterns copied from metav1.Condition's kubebuilder markers.
const TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** Ready, plus kstatus's Reconciling (work pending) and Stalled (only a change helps). */
export const ConditionTypes = { Ready: "Ready", Reconciling: "Reconciling", Stalled: "Stalled", Issuing: "Issuing" } as const;

export const conditionStatusSchema = z.enum(["True", "False", "Unknown"]);
export type ConditionStatus = z.infer<typeof conditionStatusSchema>;

/** RFC 3339 timestamp as metav1.Time writes it. */
export const rfc3339 = z.iso.datetime({ offset: true });

export const conditionSchema = z.object({
  type: z.string().min(1).max(316).regex(TYPE_PATTERN).describe("Condition type, e.g. Ready."),
  status: conditionStatusSchema.describe("True, False or Unknown."),
  reason: z.string().min(1).max(1024).regex(REASON_PATTERN).describe("CamelCase reason for the status, e.g. Issued."),
  message: z.string().max(32768).describe("Human-readable detail."),
  observedGeneration: z.int().min(0).optional().describe("metadata.generation the condition was computed for."),
  lastTransitionTime: rfc3339.describe("When status last changed from one value to another."),
});
export type Condition = z.infer<typeof conditionSchema>;

/** Conditions as a list-map keyed by type, so server-side apply merges them per type. */
export const conditionsSchema = z
  .array(conditionSchema)
  .max(16)
  .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
  .describe("Observations of the object's state, Ready among them; a list-map keyed by type.");

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/** metav1.Time has second precision; writing milliseconds would never compare equal on read. */
export function toRFC3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

/**
 * Returns a new list with `cond` set. lastTransitionTime moves to `now` only when the
 * status changes, like apimachinery's meta.SetStatusCondition; order is kept.
 */
export function setCondition(conditions: readonly Condition[] | undefined, cond: ConditionInput, now: Date): Condition[] {
  const list = conditions ?? [];
  const old = getCondition(list, cond.type);
  const lastTransitionTime =
    old !== undefined && old.status === cond.status ? old.lastTransitionTime : toRFC3339(now);
  const next: Condition = { ...cond, lastTransitionTime };
  return old === undefined ? [...list, next] : list.map((c) => (c.type === cond.type ? next : c));
}
