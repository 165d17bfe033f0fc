// A cross-field rule is written twice, side by side: in CEL for the API server
// (x-kubernetes-validations) and in TypeScript for zod, so parse() refuses exactly what
// `kubectl apply` refuses. Keep the two halves of each rule next to each other.
import type { z } from "zod";

export interface CelRule<T> {
  /** CEL expression; `self` is the value the rule is attached to. */
  readonly rule: string;
  /** Shown to the user on failure by both the API server and zod. */
  readonly message: string;
  /** Field to blame, relative to `self` (for example ".size"). */
  readonly fieldPath?: string;
  /** The same rule in TypeScript. */
  readonly holds: (self: T) => boolean;
}

/** The JSON shape the API server expects in `x-kubernetes-validations`. */
export interface XValidation {
  rule: string;
  message: string;
  fieldPath?: string;
}

export const X_VALIDATIONS = "x-kubernetes-validations";

export function toXValidations(rules: readonly CelRule<never>[]): XValidation[] {
  return rules.map(({ rule, message, fieldPath }) =>
    fieldPath === undefined ? { rule, message } : { rule, message, fieldPath },
  );
}

/** Attaches the rules to a schema: as a zod refinement and as CRD metadata. */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly CelRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (!r.holds(value)) {
        ctx.addIssue({ code: "custom", message: r.message, path: pathOf(r.fieldPath), input: value });
      }
    }
  });
  return refined.meta({ [X_VALIDATIONS]: toXValidations(rules) });
}

function pathOf(fieldPath: string | undefined): string[] {
  return fieldPath === undefined ? [] : fieldPath.split(".").filter((p) => p !== "");
}

/** CEL list literal of quoted strings: ['a', 'b']. */
export function celStrings(values: readonly string[]): string {
  return `[${values.map((v) => `'${v}'`).join(", ")}]`;
}

/** `has(self.x) && size(self.x) > 0` for an optional list, and its TypeScript twin. */
export function celNonEmpty(path: string): string {
  return `(has(self.${path}) && size(self.${path}) > 0)`;
}

export function nonEmpty(list: readonly unknown[] | undefined): boolean {
  return list !== undefined && list.length > 0;
}
