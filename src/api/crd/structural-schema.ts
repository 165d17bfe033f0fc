// zod -> JSON Schema -> a Kubernetes *structural* schema: every node typed, no $ref,
// no anyOf/oneOf/allOf, no `additionalProperties: false`, only formats the API server
// knows. Discriminated unions fold into one object plus a CEL rule. Anything we can't
// translate faithfully throws, so a bad CRD never reaches crds/.
import { z } from "zod";
import { X_VALIDATIONS, celStrings, type XValidation } from "../cel-rules.ts";

export type SchemaNode = { [key: string]: unknown };

// Key order for readable, stable YAML diffs.
const KEY_ORDER = [
  "description",
  "type",
  "format",
  "enum",
  "default",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "items",
  "properties",
  "additionalProperties",
  "required",
];

// Keys the generator emits that a CRD must not carry.
const DROPPED_KEYS = ["$schema", "$id", "id", "title", "propertyNames"];

/** Formats kept; zod's others (email, uri, ...) are dropped and their pattern does the work. */
const KNOWN_FORMATS = new Set(["date-time"]);

export function toStructuralSchema(schema: z.ZodType): SchemaNode {
  const raw = z.toJSONSchema(schema, {
    io: "input",
    target: "openapi-3.0",
    reused: "inline",
    cycles: "throw",
    unrepresentable: "throw",
  }) as SchemaNode;
  return structural(raw, "");
}

function fail(path: string, why: string): never {
  throw new Error(`cannot make a structural schema at ${path === "" ? "<root>" : path}: ${why}`);
}

function structural(input: SchemaNode, path: string): SchemaNode {
  if ("$ref" in input) fail(path, "$ref left after inlining");
  if ("allOf" in input || "not" in input) fail(path, "allOf/not are not supported");
  let node: SchemaNode = { ...input };
  for (const k of DROPPED_KEYS) delete node[k];
  if ("const" in node) {
    node.enum = [node.const];
    delete node.const;
  }
  if ("oneOf" in node || "anyOf" in node) node = foldUnion(node, path);
  fixFormat(node);
  fixIntegerBounds(node);
  if (node.additionalProperties === false) delete node.additionalProperties;
  // A loose object kept as written (x-kubernetes-preserve-unknown-fields): its "any value" map is implied.
  if (node["x-kubernetes-preserve-unknown-fields"] === true && isNode(node.additionalProperties) && Object.keys(node.additionalProperties).length === 0) {
    delete node.additionalProperties;
  }
  recurse(node, path);
  check(node, path);
  return orderKeys(node);
}

function fixFormat(node: SchemaNode): void {
  if (typeof node.format !== "string") return;
  if (KNOWN_FORMATS.has(node.format)) delete node.pattern; // zod's emulation of the format
  else delete node.format;
}

function fixIntegerBounds(node: SchemaNode): void {
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
}

function recurse(node: SchemaNode, path: string): void {
  if (isNode(node.properties)) {
    const props: SchemaNode = {};
    for (const [k, v] of Object.entries(node.properties)) props[k] = structural(asNode(v, `${path}.${k}`), `${path}.${k}`);
    node.properties = props;
  }
  if (node.items !== undefined) node.items = structural(asNode(node.items, `${path}[]`), `${path}[]`);
  if (isNode(node.additionalProperties)) node.additionalProperties = structural(node.additionalProperties, `${path}{}`);
}

const PRESERVE = "x-kubernetes-preserve-unknown-fields";

function check(node: SchemaNode, path: string): void {
  // Any JSON value (a CZERTAINLY attribute's data): kept as written, judged by CEL.
  if (node[PRESERVE] === true && node.type === undefined) return;
  if (typeof node.type !== "string") fail(path, "every node needs a type");
  if (node.type === "number") fail(path, "use z.int() (type integer); floats are not expected here");
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    fail(path, "properties and additionalProperties are mutually exclusive");
  }
  const props = isNode(node.properties) ? node.properties : {};
  for (const r of (node.required as string[] | undefined) ?? []) {
    if (!(r in props)) fail(path, `required field ${r} has no schema`);
  }
}

function isNode(v: unknown): v is SchemaNode {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asNode(v: unknown, path: string): SchemaNode {
  if (!isNode(v)) fail(path, "expected a single schema");
  return v;
}

function orderKeys(node: SchemaNode): SchemaNode {
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || (rank(a) === KEY_ORDER.length ? a.localeCompare(b) : 0));
  return Object.fromEntries(keys.map((k) => [k, node[k]]));
}

// ---- discriminated unions ----

interface Variant {
  tag: string;
  node: SchemaNode;
  props: SchemaNode;
  required: string[];
}

/**
 * `oneOf: [{type: local, local: {...}}, {type: acme, acme: {...}}]` becomes one object
 * with every member optional, the discriminator an enum, and a CEL rule that the members
 * set are exactly those of the variant named by the discriminator.
 */
function foldUnion(node: SchemaNode, path: string): SchemaNode {
  const branches = (node.oneOf ?? node.anyOf) as unknown[];
  const disc = findDiscriminator(branches, path);
  const variants = branches.map((b) => toVariant(asNode(b, path), disc, path));
  const { description } = asNode(variants[0]!.props[disc], path);
  const discSchema = { ...(description === undefined ? {} : { description }), type: "string", enum: variants.map((v) => v.tag) };
  const properties: SchemaNode = { [disc]: discSchema };
  for (const v of variants) mergeProperties(properties, v, disc, path);
  const rest = { ...node };
  delete rest.oneOf;
  delete rest.anyOf;
  const rules: XValidation[] = [
    ...((rest[X_VALIDATIONS] as XValidation[] | undefined) ?? []),
    unionRule(variants, disc),
    ...variants.flatMap((v) => variantRules(v, disc)),
  ];
  return { ...rest, type: "object", properties, required: [disc], [X_VALIDATIONS]: rules };
}

function singleValue(schema: unknown): string | undefined {
  if (!isNode(schema)) return undefined;
  if (typeof schema.const === "string") return schema.const;
  const e = schema.enum;
  return Array.isArray(e) && e.length === 1 && typeof e[0] === "string" ? e[0] : undefined;
}

function findDiscriminator(branches: unknown[], path: string): string {
  const first = asNode(branches[0], path);
  const candidates = Object.keys(isNode(first.properties) ? first.properties : {});
  const disc = candidates.find((k) =>
    branches.every((b) => {
      const n = asNode(b, path);
      return isNode(n.properties) && singleValue(n.properties[k]) !== undefined && (n.required as string[]).includes(k);
    }),
  );
  return disc ?? fail(path, "a union must be a discriminated union of objects");
}

function toVariant(node: SchemaNode, disc: string, path: string): Variant {
  const props = isNode(node.properties) ? node.properties : fail(path, "union member without properties");
  const tag = singleValue(props[disc]) ?? fail(path, "union member without a discriminator value");
  return { tag, node, props, required: ((node.required as string[] | undefined) ?? []).filter((r) => r !== disc) };
}

function mergeProperties(into: SchemaNode, v: Variant, disc: string, path: string): void {
  for (const [k, schema] of Object.entries(v.props)) {
    if (k === disc) continue;
    if (k in into && JSON.stringify(into[k]) !== JSON.stringify(schema)) {
      fail(`${path}.${k}`, "union members define this field differently");
    }
    into[k] = schema;
  }
}

function unionRule(variants: Variant[], disc: string): XValidation {
  const members = new Set(variants.flatMap((v) => Object.keys(v.props).filter((k) => k !== disc)));
  const clauses = [...members].map((m) => memberClause(m, variants, disc));
  return {
    rule: clauses.length === 0 ? "true" : clauses.join(" && "),
    message: `set exactly the member named by ${disc} (for ${disc}: ${variants[0]!.tag}, set ${variants[0]!.tag} and no other member)`,
  };
}

/** CEL for one member: present for the variants that require it, absent for those without it. */
function memberClause(member: string, variants: Variant[], disc: string): string {
  const allowed = variants.filter((v) => member in v.props).map((v) => v.tag);
  const required = variants.filter((v) => v.required.includes(member)).map((v) => v.tag);
  const inTags = (tags: string[]) => (tags.length === 1 ? `self.${disc} == '${tags[0]}'` : `self.${disc} in ${celStrings(tags)}`);
  if (allowed.length === required.length) return `has(self.${member}) == (${inTags(allowed)})`;
  const absent = `(!has(self.${member}) || ${inTags(allowed)})`;
  return required.length === 0 ? absent : `${absent} && (!(${inTags(required)}) || has(self.${member}))`;
}

/** Rules written on one member apply only when the discriminator names that member. */
function variantRules(v: Variant, disc: string): XValidation[] {
  const own = (v.node[X_VALIDATIONS] as XValidation[] | undefined) ?? [];
  return own.map((r) => ({ ...r, rule: `self.${disc} != '${v.tag}' || (${r.rule})` }));
}
