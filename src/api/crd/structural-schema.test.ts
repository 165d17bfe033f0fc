import { describe, expect, it } from "vitest";
import { z } from "zod";
import { withRules } from "../cel-rules.ts";
import { buildCrds } from "./custom-resource-definitions.ts";
import { toStructuralSchema, type SchemaNode } from "./structural-schema.ts";

/** Every schema node with its path. */
function* walk(node: SchemaNode, path = ""): Generator<[string, SchemaNode]> {
  yield [path, node];
  for (const [k, v] of Object.entries((node.properties as Record<string, SchemaNode> | undefined) ?? {})) {
    yield* walk(v, `${path}.${k}`);
  }
  if (node.items !== undefined) yield* walk(node.items as SchemaNode, `${path}[]`);
  if (typeof node.additionalProperties === "object") yield* walk(node.additionalProperties as SchemaNode, `${path}{}`);
}

describe("toStructuralSchema", () => {
  it("folds a discriminated union into one object with a CEL rule", () => {
    const schema = z.discriminatedUnion("type", [
      z.object({ type: z.literal("local"), local: z.object({ a: z.string() }) }),
      withRules(z.object({ type: z.literal("acme"), acme: z.object({ b: z.string() }), shared: z.boolean().optional() }), [
        { rule: "has(self.acme.b)", message: "b", holds: () => true },
      ]),
    ]);
    const s = toStructuralSchema(schema);
    expect(s.type).toBe("object");
    expect(s.required).toEqual(["type"]);
    expect(Object.keys(s.properties as object)).toEqual(["type", "local", "acme", "shared"]);
    expect((s.properties as Record<string, SchemaNode>).type).toEqual({ type: "string", enum: ["local", "acme"] });
    expect(s["x-kubernetes-validations"]).toEqual([
      {
        rule:
          "has(self.local) == (self.type == 'local') && has(self.acme) == (self.type == 'acme') && " +
          "(!has(self.shared) || self.type == 'acme')",
        message: "set exactly the member named by type (for type: local, set local and no other member)",
      },
      { rule: "self.type != 'acme' || (has(self.acme.b))", message: "b" },
    ]);
  });

  it("turns records into additionalProperties and drops zod's extras", () => {
    const s = toStructuralSchema(
      z.strictObject({ m: z.record(z.string(), z.string()), n: z.int().min(0), t: z.iso.datetime(), e: z.email(), k: z.literal("x") }),
    );
    const p = s.properties as Record<string, SchemaNode>;
    expect(s.additionalProperties).toBeUndefined();
    expect(p.m).toEqual({ type: "object", additionalProperties: { type: "string" } });
    expect(p.n).toEqual({ type: "integer", minimum: 0 });
    expect(p.t).toEqual({ type: "string", format: "date-time" });
    expect(p.e!.format).toBeUndefined();
    expect(p.e!.pattern).toBeTypeOf("string");
    expect(p.k).toEqual({ type: "string", enum: ["x"] });
  });

  it.each<[string, z.ZodType]>([
    ["a plain union", z.object({ u: z.union([z.string(), z.int()]) })],
    ["floats", z.object({ f: z.number() })],
    ["a union with conflicting members", z.discriminatedUnion("t", [
      z.object({ t: z.literal("a"), x: z.string() }),
      z.object({ t: z.literal("b"), x: z.int() }),
    ])],
  ])("refuses %s", (_name, schema) => {
    expect(() => toStructuralSchema(schema)).toThrow(/cannot make a structural schema/);
  });
});

describe("generated CRDs are structural", () => {
  const crds = buildCrds();
  const nodes = crds.flatMap((crd) => [...walk(crd.spec.versions[0]!.schema.openAPIV3Schema)].map(([p, n]) => [`${crd.metadata.name}${p}`, n] as const));

  it("covers the three kinds", () => {
    expect(crds.map((c) => c.metadata.name)).toEqual([
      "certificates.certwright.dev",
      "raprofiles.certwright.dev",
      "clusterraprofiles.certwright.dev",
    ]);
  });

  it("every node has a type, and nothing structural schemas forbid", () => {
    for (const [path, n] of nodes) {
      expect(n.type, path).toBeTypeOf("string");
      for (const k of ["$ref", "$schema", "anyOf", "oneOf", "allOf", "not", "const", "nullable", "definitions", "$defs"]) {
        expect(k in n, `${path} has ${k}`).toBe(false);
      }
      expect(n.additionalProperties === false, `${path} additionalProperties: false`).toBe(false);
      expect(n.properties !== undefined && n.additionalProperties !== undefined, `${path} both`).toBe(false);
    }
  });

  it("numbers are integers, formats are ones the API server knows", () => {
    for (const [path, n] of nodes) {
      expect(n.type, path).not.toBe("number");
      if (n.format !== undefined) expect(n.format, path).toBe("date-time");
      if (n.type === "integer") expect(n.maximum === Number.MAX_SAFE_INTEGER, path).toBe(false);
    }
  });

  it("required fields exist, lists are bounded, defaults fit their enum", () => {
    for (const [path, n] of nodes) {
      const props = Object.keys((n.properties as object | undefined) ?? {});
      for (const r of (n.required as string[] | undefined) ?? []) expect(props, path).toContain(r);
      if (n.type === "array") expect(n.maxItems, `${path} maxItems`).toBeTypeOf("number");
      if (n.default !== undefined && Array.isArray(n.enum)) expect(n.enum, path).toContain(n.default);
      if (n.default !== undefined) expect(typeof n.default === "object" ? "object" : typeof n.default, path).toBe(n.type);
    }
  });

  it("every CEL rule has a message", () => {
    const rules = nodes.flatMap(([, n]) => (n["x-kubernetes-validations"] as { rule: string; message: string }[] | undefined) ?? []);
    expect(rules.length).toBeGreaterThan(15);
    for (const r of rules) expect(r.message.length, r.rule).toBeGreaterThan(0);
  });

  it("patterns compile", () => {
    for (const [path, n] of nodes) if (typeof n.pattern === "string") expect(() => new RegExp(n.pattern as string), path).not.toThrow();
  });

  it("has status subresource, printer columns, short names and the category", () => {
    const [cert, profile, cluster] = crds;
    expect(cert!.spec.versions[0]!.subresources).toEqual({ status: {} });
    expect(cert!.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toEqual([
      "Ready",
      "Secret",
      "Type",
      "Profile",
      "Expires",
      "State",
      "Message",
      "Age",
    ]);
    expect(cert!.spec.versions[0]!.additionalPrinterColumns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(["State", "Message"]);
    expect(profile!.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toEqual(["Ready", "Authority", "Enabled", "Message", "Age"]);
    expect(cluster!.spec.versions[0]!.additionalPrinterColumns.find((c) => c.name === "Message")?.priority).toBe(1);
    expect(crds.map((c) => c.spec.names.shortNames)).toEqual([["cwc"], ["rap"], ["crp"]]);
    expect(crds.every((c) => c.spec.names.categories.includes("certwright"))).toBe(true);
    expect(cluster!.spec.scope).toBe("Cluster");
    const clusterSpec = cluster!.spec.versions[0]!.schema.openAPIV3Schema.properties as Record<string, SchemaNode>;
    expect(Object.keys(clusterSpec.spec!.properties as object)).toContain("namespaceSelector");
  });
});
