// Every field of our CRDs carries a description, so `kubectl explain` and docs/crd-reference.md
// can say what it means. Walks a schema (a generated CRD's or the one the API server serves)
// and names each property without one. Array items and map values are walked into, but need
// no description of their own: kubectl explain shows the field's.
import type { CustomResourceDefinition } from "../src/api/crd/custom-resource-definitions.ts";

type Node = { [key: string]: unknown };

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** Paths (spec.a.b, spec.list[].c, spec.map{}.d) of the properties under `node` that have no description. */
export function undescribedFields(node: Node, path: string): string[] {
  const out: string[] = [];
  if (isNode(node.properties)) {
    for (const [k, child] of Object.entries(node.properties)) {
      const at = `${path}.${k}`;
      if (!isNode(child)) continue;
      if (typeof child.description !== "string" || child.description.trim() === "") out.push(at);
      out.push(...undescribedFields(child, at));
    }
  }
  if (isNode(node.items)) out.push(...undescribedFields(node.items, `${path}[]`));
  if (isNode(node.additionalProperties)) out.push(...undescribedFields(node.additionalProperties, `${path}{}`));
  return out;
}

/** The undescribed fields of one CRD's spec and status (and those two themselves), as "Kind: path". */
export function undescribedCrdFields(crd: CustomResourceDefinition): string[] {
  const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const props = isNode(root.properties) ? root.properties : {};
  const kind = crd.spec.names.kind;
  return ["spec", "status"].flatMap((top) => {
    const n = props[top];
    if (!isNode(n)) return [`${kind}: ${top} (missing)`];
    const self = typeof n.description === "string" && n.description.trim() !== "" ? [] : [top];
    return [...self, ...undescribedFields(n, top)].map((p) => `${kind}: ${p}`);
  });
}
