// The conditions of an RAProfile or ClusterRAProfile, kstatus-correct (Flux reads them natively):
//   Ready        the authority answered a probe (local: CA valid; acme: directory; http: health;
//                manual: always) and the profile is enabled.
//   Reconciling  True while the probe is pending or failing and will be retried.
//   Stalled      True when only a change of the profile helps: invalid, disabled, or refused
//                by the authority (4xx).
// Every condition carries the generation it judged. Pure.
import { setCondition, type Condition } from "../../api/conditions.ts";

export type ProfileVerdict =
  | { kind: "probing" }
  | { kind: "ready"; message: string }
  | { kind: "disabled"; message: string }
  | { kind: "failing"; reason: string; message: string; retry: boolean };

export function profileConditions(before: Condition[] | undefined, v: ProfileVerdict, generation: number, now: Date): Condition[] {
  const set = (list: Condition[] | undefined, type: string, status: "True" | "False" | "Unknown", reason: string, message: string) =>
    setCondition(list, { type, status, reason, message, observedGeneration: generation }, now);
  let c = before;
  switch (v.kind) {
    case "probing":
      if (!c?.some((x) => x.type === "Ready")) c = set(c, "Ready", "Unknown", "Probing", "asking the authority");
      c = set(c, "Reconciling", "True", "Probing", "asking the authority");
      c = set(c, "Stalled", "False", "Probing", "asking the authority");
      break;
    case "ready":
      c = set(c, "Ready", "True", "Ready", v.message);
      c = set(c, "Reconciling", "False", "Ready", v.message);
      c = set(c, "Stalled", "False", "Ready", v.message);
      break;
    case "disabled":
      c = set(c, "Ready", "False", "Disabled", v.message);
      c = set(c, "Reconciling", "False", "Disabled", v.message);
      c = set(c, "Stalled", "True", "Disabled", v.message);
      break;
    case "failing":
      c = set(c, "Ready", "False", v.reason, v.message);
      c = set(c, "Reconciling", v.retry ? "True" : "False", v.reason, v.message);
      c = set(c, "Stalled", v.retry ? "False" : "True", v.reason, v.message);
      break;
  }
  return c.map((x) => ({ ...x, observedGeneration: generation }));
}
