import { describe, expect, it } from "vitest";
import { labelSelectorMatches, labelSelectorSchema } from "./label-selector.ts";

const labels = { team: "payments", env: "prod" };

describe("labelSelectorMatches", () => {
  it.each([
    [{}, true],
    [{ matchLabels: { team: "payments" } }, true],
    [{ matchLabels: { team: "other" } }, false],
    [{ matchExpressions: [{ key: "env", operator: "In", values: ["prod", "staging"] }] }, true],
    [{ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, false],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["x"] }] }, true],
    [{ matchExpressions: [{ key: "team", operator: "Exists" }] }, true],
    [{ matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, false],
  ])("%j -> %s", (selector, want) => {
    expect(labelSelectorMatches(labelSelectorSchema.parse(selector), labels)).toBe(want);
  });
});

describe("labelSelectorSchema", () => {
  it("In needs values, Exists takes none", () => {
    expect(labelSelectorSchema.safeParse({ matchExpressions: [{ key: "a", operator: "In" }] }).success).toBe(false);
    expect(labelSelectorSchema.safeParse({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }).success).toBe(
      false,
    );
  });
});
