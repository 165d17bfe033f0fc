import { describe, expect, it } from "vitest";
import { conditionSchema, getCondition, isConditionTrue, setCondition, toRFC3339, type Condition } from "./conditions.ts";

const t0 = new Date("2025-01-01T00:00:00.123Z");
const t1 = new Date("2025-01-02T00:00:00Z");

describe("setCondition", () => {
  const ready = { type: "Ready", status: "False", reason: "Issuing", message: "waiting", observedGeneration: 1 } as const;

  it("appends a new condition stamped with now (second precision)", () => {
    const list = setCondition(undefined, ready, t0);
    expect(list).toEqual([{ ...ready, lastTransitionTime: "2025-01-01T00:00:00Z" }]);
    expect(conditionSchema.safeParse(list[0]).success).toBe(true);
  });

  it("keeps lastTransitionTime when the status does not change", () => {
    const list = setCondition(setCondition([], ready, t0), { ...ready, message: "still waiting", observedGeneration: 2 }, t1);
    expect(list[0]).toMatchObject({ message: "still waiting", observedGeneration: 2, lastTransitionTime: "2025-01-01T00:00:00Z" });
  });

  it("moves lastTransitionTime when the status changes, keeping order and other conditions", () => {
    const issuing = { type: "Issuing", status: "True", reason: "Renewing", message: "" } as const;
    const before = setCondition(setCondition([], ready, t0), issuing, t0);
    const after = setCondition(before, { ...ready, status: "True", reason: "Issued" }, t1);
    expect(after.map((c) => c.type)).toEqual(["Ready", "Issuing"]);
    expect(after[0]).toMatchObject({ status: "True", reason: "Issued", lastTransitionTime: "2025-01-02T00:00:00Z" });
    expect(after[1]).toBe(before[1]);
    expect(before[0]!.status).toBe("False"); // input not mutated
  });
});

describe("getCondition / isConditionTrue", () => {
  const list: Condition[] = [{ type: "Ready", status: "True", reason: "Issued", message: "", lastTransitionTime: toRFC3339(t1) }];
  it("finds by type", () => {
    expect(getCondition(list, "Ready")?.reason).toBe("Issued");
    expect(getCondition(list, "Issuing")).toBeUndefined();
    expect(getCondition(undefined, "Ready")).toBeUndefined();
    expect(isConditionTrue(list, "Ready")).toBe(true);
    expect(isConditionTrue(list, "Issuing")).toBe(false);
  });
});

describe("conditionSchema", () => {
  it("refuses a reason that is not CamelCase-ish and a bad status", () => {
    const base = { type: "Ready", status: "True", reason: "Issued", message: "", lastTransitionTime: "2025-01-01T00:00:00Z" };
    expect(conditionSchema.safeParse(base).success).toBe(true);
    expect(conditionSchema.safeParse({ ...base, reason: "not ok" }).success).toBe(false);
    expect(conditionSchema.safeParse({ ...base, status: "Yes" }).success).toBe(false);
    expect(conditionSchema.safeParse({ ...base, lastTransitionTime: "yesterday" }).success).toBe(false);
  });
});
