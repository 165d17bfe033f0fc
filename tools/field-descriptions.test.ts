import { describe, expect, it } from "vitest";
import { buildCrds, type CustomResourceDefinition } from "../src/api/crd/custom-resource-definitions.ts";
import { undescribedCrdFields, undescribedFields } from "./field-descriptions.ts";

type Node = { [key: string]: unknown };

function schemaAt(crd: CustomResourceDefinition, path: string): Node {
  let n = crd.spec.versions[0]!.schema.openAPIV3Schema;
  for (const part of path.split(".")) {
    const [name, ...items] = part.split("[]");
    n = (n.properties as Record<string, Node>)[name!]!;
    for (let i = 0; i < items.length; i++) n = n.items as Node;
  }
  return n;
}

const crdOf = (kind: string): CustomResourceDefinition => buildCrds().find((c) => c.spec.names.kind === kind)!;

describe("field descriptions in the generated CRDs", () => {
  it.each(["Certificate", "RAProfile", "ClusterRAProfile"])("every %s spec and status field has one", (kind) => {
    expect(undescribedCrdFields(crdOf(kind))).toEqual([]);
  });

  it.each([
    ["Certificate", "spec.subject.otherAttributes[].oid"],
    ["Certificate", "spec.keystores.pkcs12.passwordSecretRef.key"],
    ["Certificate", "status.history[].state"],
    ["Certificate", "status.conditions[].reason"],
    ["RAProfile", "spec.authority.acme.accountKeySecretRef.key"],
    ["RAProfile", "spec.authority.http.timeouts.connect"],
    ["RAProfile", "spec.authority.http.raProfileAttributes[].content[].object"],
    ["RAProfile", "spec.policy.keyAlgorithms[].sizes"],
    ["ClusterRAProfile", "spec.namespaceSelector.matchExpressions[].values"],
  ])("%s %s (in a list, a union member or deep) carries its zod description", (kind, path) => {
    expect(schemaAt(crdOf(kind), path).description).toMatch(/\w{3}/);
  });

  it("reports a CRD without spec or status", () => {
    const crd = structuredClone(crdOf("RAProfile"));
    delete crd.spec.versions[0]!.schema.openAPIV3Schema.properties;
    expect(undescribedCrdFields(crd)).toEqual(["RAProfile: spec (missing)", "RAProfile: status (missing)"]);
  });

  it("walks a schema's properties, list items and map values", () => {
    const schema: Node = {
      type: "object",
      properties: {
        a: { description: "A.", type: "object", properties: { b: { type: "string" } } },
        list: { description: "L.", type: "array", items: { type: "object", properties: { c: { type: "string" }, d: { description: "D.", type: "string" } } } },
        map: { type: "object", additionalProperties: { type: "object", properties: { e: { description: "  ", type: "string" } } } },
      },
    };
    expect(undescribedFields(schema, "spec")).toEqual(["spec.a.b", "spec.list[].c", "spec.map", "spec.map{}.e"]);
  });

  it("finds descriptions removed from a generated CRD", () => {
    const crd = structuredClone(crdOf("RAProfile"));
    const paths = ["spec.enabled", "spec.authority.http.timeouts.connect", "spec.policy.keyAlgorithms[].sizes", "status.conditions[].type"];
    for (const path of paths) delete schemaAt(crd, path).description;
    delete (crd.spec.versions[0]!.schema.openAPIV3Schema.properties as Record<string, Node>).status!.description;
    expect(undescribedCrdFields(crd)).toEqual(["RAProfile: spec.enabled", "RAProfile: spec.authority.http.timeouts.connect", "RAProfile: spec.policy.keyAlgorithms[].sizes", "RAProfile: status", "RAProfile: status.conditions[].type"]);
  });
});
