// metav1.LabelSelector and its matching semantics, for ClusterRAProfile.namespaceSelector.
import { z } from "zod";
import { withRules } from "./cel-rules.ts";
import { stringMap } from "./common.ts";

const withValues = ["In", "NotIn"] as const;

export const labelSelectorRequirementSchema = withRules(
  z.object({
    key: z.string().min(1).max(317).describe("Label key the requirement is about."),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]).describe("In, NotIn, Exists or DoesNotExist."),
    values: z
      .array(z.string().max(63))
      .max(64)
      .optional()
      .describe("Label values for In and NotIn; must be empty for Exists and DoesNotExist."),
  }),
  [
    {
      rule: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
      message: "In and NotIn need values; Exists and DoesNotExist take none",
      fieldPath: ".values",
      holds: (r) => (withValues as readonly string[]).includes(r.operator) === (r.values ?? []).length > 0,
    },
  ],
);

export const labelSelectorSchema = z.object({
  matchLabels: stringMap.optional().describe("Labels that must all be present with these values."),
  matchExpressions: z
    .array(labelSelectorRequirementSchema)
    .max(16)
    .optional()
    .describe("Label requirements that must all hold (ANDed with matchLabels)."),
});
export type LabelSelector = z.output<typeof labelSelectorSchema>;
export type LabelSelectorRequirement = z.output<typeof labelSelectorRequirementSchema>;

function requirementMatches(r: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "In":
      return has && (r.values ?? []).includes(value!);
    case "NotIn":
      return !has || !(r.values ?? []).includes(value!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

/** Same semantics as metav1.LabelSelectorAsSelector: an empty selector matches everything. */
export function labelSelectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (selector.matchExpressions ?? []).every((r) => requirementMatches(r, labels));
}
