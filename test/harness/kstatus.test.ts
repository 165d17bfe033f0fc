import { describe, expect, it } from "vitest";
import { computeKStatus, observedEverywhere, type ObjectLike } from "./kstatus.ts";

const cond = (type: string, status: string, extra: object = {}) => ({ type, status, reason: "R", message: `${type} ${status}`, observedGeneration: 2, ...extra });
const obj = (status: ObjectLike["status"], metadata: ObjectLike["metadata"] = { generation: 2 }): ObjectLike => ({ metadata, status });

describe("computeKStatus (kstatus generic rules)", () => {
  const cases: [string, ObjectLike, string][] = [
    ["no status at all reads Current (kstatus's fallback)", obj(undefined), "Current"],
    ["empty conditions read Current", obj({ observedGeneration: 2, conditions: [] }), "Current"],
    ["deletion wins over everything", obj({ conditions: [cond("Ready", "True")] }, { generation: 2, deletionTimestamp: "2026-01-01T00:00:00Z" }), "Terminating"],
    ["an old observedGeneration is InProgress even when Ready", obj({ observedGeneration: 1, conditions: [cond("Ready", "True")] }), "InProgress"],
    ["no observedGeneration skips the generation rule", obj({ conditions: [cond("Ready", "True")] }), "Current"],
    ["Reconciling=True is InProgress", obj({ observedGeneration: 2, conditions: [cond("Ready", "True"), cond("Reconciling", "True")] }), "InProgress"],
    ["Stalled=True is Failed", obj({ observedGeneration: 2, conditions: [cond("Ready", "False"), cond("Stalled", "True")] }), "Failed"],
    ["the first of Reconciling/Stalled in list order decides", obj({ observedGeneration: 2, conditions: [cond("Stalled", "True"), cond("Reconciling", "True")] }), "Failed"],
    ["Reconciling=False and Stalled=False fall through to Ready", obj({ observedGeneration: 2, conditions: [cond("Reconciling", "False"), cond("Stalled", "False"), cond("Ready", "True")] }), "Current"],
    ["Ready=False is InProgress", obj({ observedGeneration: 2, conditions: [cond("Ready", "False")] }), "InProgress"],
    ["Ready=Unknown is InProgress", obj({ observedGeneration: 2, conditions: [cond("Ready", "Unknown")] }), "InProgress"],
    ["other conditions only read Current", obj({ observedGeneration: 2, conditions: [cond("ExpiryNotice", "True")] }), "Current"],
  ];
  it.each(cases)("%s", (_name, o, want) => {
    expect(computeKStatus(o).status).toBe(want);
  });

  it("carries the Stalled message, so Flux fails with the reason", () => {
    expect(computeKStatus(obj({ observedGeneration: 2, conditions: [cond("Stalled", "True", { message: "refused by policy" })] })).message).toBe("refused by policy");
  });
});

describe("observedEverywhere", () => {
  it("is empty when status and every condition observed the generation", () => {
    expect(observedEverywhere(obj({ observedGeneration: 2, conditions: [cond("Ready", "True"), cond("Stalled", "False")] }))).toEqual([]);
  });
  it("names each stale part", () => {
    expect(observedEverywhere(obj({ observedGeneration: 1, conditions: [cond("Ready", "True"), cond("ExpiryNotice", "False", { observedGeneration: 1 })] }))).toEqual([
      "status.observedGeneration=1",
      "ExpiryNotice.observedGeneration=1",
    ]);
  });
});
