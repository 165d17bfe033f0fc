// Writes docs/crd-reference.md from the generated CRDs (which come from the zod schemas in
// src/api): every field with its type, default, meaning and constraints, the CEL rules
// with their messages, printer columns and short names. `--check` writes nothing and
// exits 1 when the file is out of date.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DNS1123_SUBDOMAIN } from "../src/api/common.ts";
import { buildCrds, type CustomResourceDefinition } from "../src/api/crd/custom-resource-definitions.ts";
import { DURATION_PATTERN } from "../src/api/duration.ts";
import { API_VERSION } from "../src/api/resources.ts";

export const REFERENCE_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "crd-reference.md");

type Node = { [key: string]: unknown };

interface XValidation {
  rule: string;
  message: string;
  fieldPath?: string;
}

interface Row {
  path: string;
  type: string;
  default: string;
  meaning: string;
  constraints: string;
}

interface Rule {
  on: string;
  rule: string;
  message: string;
}

/** Meanings for fields whose schema has no description (keyed by path, shared by the kinds). */
const MEANINGS: Record<string, string> = {
  "spec.raProfileRef.kind": "RAProfile (same namespace) or ClusterRAProfile.",
  "spec.subject.commonName": "CN.",
  "spec.subject.countries": "C: upper-case ISO 3166-1 alpha-2 country codes (see docs/name-rules.md).",
  "spec.subject.organizations": "O.",
  "spec.subject.organizationalUnits": "OU.",
  "spec.subject.localities": "L.",
  "spec.subject.provinces": "ST.",
  "spec.subject.streetAddresses": "street.",
  "spec.subject.postalCodes": "postalCode.",
  "spec.subject.serialNumber": "The serialNumber DN attribute (2.5.4.5), not the certificate serial.",
  "spec.subject.organizationIdentifier": "organizationIdentifier (2.5.4.97), e.g. PSD2 `PSDGB-FCA-123456`.",
  "spec.subject.uid": "UID (0.9.2342.19200300.100.1.1).",
  "spec.subject.otherAttributes": "Further DN attributes by OID.",
  "spec.subject.otherAttributes[].oid": "Dotted attribute OID, e.g. `2.5.4.97`; not an arc such as `2.5.4`, not an attribute with its own field (docs/name-rules.md).",
  "spec.subject.otherAttributes[].value": "Attribute value.",
  "spec.privateKey.algorithm": "RSA, ECDSA (P-256 / P-384) or Ed25519.",
  "spec.privateKey.encoding": "Encoding of `tls.key`; only PKCS#8.",
  "spec.csrSecretRef.name": "Secret (same namespace) holding the PEM CSR.",
  "spec.csrSecretRef.key": "Key of the CSR in that Secret.",
  "spec.secretTemplate.labels": "Labels for the Secret.",
  "spec.secretTemplate.annotations": "Annotations for the Secret.",
  "spec.keystores": "Extra keystore formats written into the Secret.",
  "spec.keystores.pkcs12.create": "Write `keystore.p12`.",
  "spec.keystores.pkcs12.passwordSecretRef": "Secret key holding the keystore password.",
  "spec.jwks.enabled": "Publish `jwks.json`.",
  "spec.jwks.alg":
    "JWK `alg`. Default from the key: PS256 / ES256 / ES384 / EdDSA for signing, RSA-OAEP-256 / ECDH-ES for encryption. Must fit the key (checked at issuance).",
  "spec.revocation.reason": "RFC 5280 CRL reason.",
  "spec.renewalRequest.id": "Change it to ask for one more renewal.",
  "spec.renewalRequest.rekey": "true: this renewal makes a new key even with rotationPolicy Never.",
  "status.conditions": "Conditions, `Ready` among them; a list-map keyed by `type`.",
  "status.conditions[].type": "Condition type, e.g. `Ready`.",
  "status.conditions[].status": "`True`, `False` or `Unknown`.",
  "status.conditions[].reason": "CamelCase reason, e.g. `Issued`, `ProfileNotFound`.",
  "status.conditions[].message": "Human-readable detail.",
  "status.conditions[].observedGeneration": "Generation the condition was computed for.",
  "status.conditions[].lastTransitionTime": "When status last changed.",
  "status.observedGeneration": "Generation of the spec this status describes.",
  "status.notBefore": "Start of validity of the current certificate.",
  "status.notAfter": "Expiry of the current certificate.",
  "status.renewalTime": "When the controller will renew the current certificate (about notAfter − renewBefore).",
  "status.serialNumber": "Serial number (hex) of the current certificate.",
  "status.fingerprintSHA256": "SHA-256 fingerprint of the current certificate.",
  "status.failedIssuanceAttempts": "Failed attempts since the last success; reset on success.",
  "status.lastFailureTime": "Time of the last failed attempt.",
  "status.nextRetryTime": "When the next attempt after a failure is due (backoff).",
  "status.lastRenewalRequestId": "The last `spec.renewalRequest.id` acted upon.",
  "status.history[].serialNumber": "Serial number (hex).",
  "status.history[].notBefore": "Start of validity.",
  "status.history[].notAfter": "Expiry.",
  "status.history[].fingerprintSHA256": "SHA-256 fingerprint.",
  "status.history[].state": "`issued` (current), `superseded`, `revoked` or `expired`.",
  "status.history[].revocationReason": "Reason, when revoked.",
  "status.history[].revokedAt": "When it was revoked.",
  "spec.authority.local.commonName": "CN of a generated CA.",
  "spec.authority.local.organization": "O of a generated CA.",
  "spec.defaults": "Values for Certificates that leave the field unset.",
  "spec.defaults.privateKey": "Key for Certificates that set no `privateKey` (else RSA 2048).",
  "spec.defaults.privateKey.algorithm": "RSA, ECDSA or Ed25519.",
  "spec.defaults.privateKey.size": "Bits: RSA 2048/3072/4096, ECDSA 256/384; unset for Ed25519.",
  "spec.policy": "What Certificates may ask for; unset: no limits. Within it an unset list does not limit, an empty list allows nothing.",
  "spec.policy.allowedTypes": "Certificate types that may be issued; unset: all.",
  "spec.policy.keyAlgorithms[].algorithm": "An allowed algorithm.",
  "spec.policy.keyAlgorithms[].sizes": "Allowed sizes for it; unset: every valid size.",
  "spec.policy.maxDuration": "Longest lifetime that may be requested.",
  "spec.policy.minDuration": "Shortest lifetime that may be requested.",
  "spec.policy.allowedSubjectAttributes": "Subject attributes a Certificate may set; unset: all.",
  "spec.policy.requiredSubjectAttributes": "Subject attributes a Certificate must set.",
  "spec.revocation": "What happens to certificates that are replaced or orphaned.",
  "status.authorityType": "Authority type the status was computed for.",
  "status.capabilities": "What the connector can do: issue, renew, revoke, crl.",
  "status.crlNumber": "Number of the latest CRL published.",
  "spec.namespaceSelector.matchLabels": "Labels the namespace must carry.",
  "spec.namespaceSelector.matchExpressions": "Label requirements, all of which must hold.",
  "spec.namespaceSelector.matchExpressions[].key": "Label key.",
  "spec.namespaceSelector.matchExpressions[].operator": "In, NotIn, Exists or DoesNotExist.",
  "spec.namespaceSelector.matchExpressions[].values": "Values for In / NotIn; empty for Exists / DoesNotExist.",
};

const NAMED_PATTERNS: Record<string, string> = {
  [DURATION_PATTERN.source]: "duration: h, m, s only, e.g. `8400h`, `1h30m`, `45s`",
  [DNS1123_SUBDOMAIN.source]: "lowercase DNS-1123 subdomain",
};

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
const code = (s: string): string => (s.includes("`") ? `\`\` ${s} \`\`` : `\`${s}\``);
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeName(n: Node): string {
  if (n.type === "array" && isNode(n.items)) return `[]${typeName(n.items)}`;
  if (n.type === "object" && isNode(n.additionalProperties)) return `map[string]${typeName(n.additionalProperties)}`;
  return typeof n.format === "string" ? `${String(n.type)} (${n.format})` : String(n.type);
}

function range(min: unknown, max: unknown, unit: string): string | undefined {
  const lo = typeof min === "number" ? min : undefined;
  const hi = typeof max === "number" ? max : undefined;
  if (lo === undefined && hi === undefined) return undefined;
  if (lo === undefined) return `≤ ${hi}${unit}`;
  if (hi === undefined) return `≥ ${lo}${unit}`;
  return `${lo}–${hi}${unit}`;
}

/** Constraints of one node (not its children), as short phrases. */
function constraintsOf(n: Node): string[] {
  const out: string[] = [];
  if (Array.isArray(n.enum)) out.push(`one of ${n.enum.map((v) => code(String(v))).join(", ")}`);
  if (typeof n.pattern === "string") out.push(NAMED_PATTERNS[n.pattern] ?? `matches ${code(n.pattern)}`);
  const len = range(n.minLength, n.maxLength, " chars");
  if (len) out.push(len);
  const num = range(n.minimum, n.maximum, "");
  if (num) out.push(num);
  const items = range(n.minItems, n.maxItems, " items");
  if (items) out.push(items);
  for (const v of (n["x-kubernetes-validations"] as XValidation[] | undefined) ?? []) {
    if (n.type !== "object") out.push(`CEL: ${v.message}`);
  }
  return out;
}

function defaultOf(n: Node): string {
  if (n.default === undefined) return "";
  return code(typeof n.default === "string" ? n.default : JSON.stringify(n.default));
}

/** An array of scalars or a map is one row; its element constraints are folded in. */
function leafLike(n: Node): Node | undefined {
  if (n.type === "array" && isNode(n.items) && n.items.type !== "object") return n.items;
  if (n.type === "object" && isNode(n.additionalProperties)) return n.additionalProperties;
  return undefined;
}

function collectRules(n: Node, path: string, rules: Rule[]): void {
  for (const v of (n["x-kubernetes-validations"] as XValidation[] | undefined) ?? []) {
    rules.push({ on: path + (v.fieldPath ?? ""), rule: v.rule, message: v.message });
  }
}

function walk(n: Node, path: string, required: boolean, rows: Row[], rules: Rule[]): void {
  const element = leafLike(n);
  const constraints = [...(required ? ["**required**"] : []), ...constraintsOf(n)];
  if (element) constraints.push(...constraintsOf(element).map((c) => (n.type === "array" ? `each: ${c}` : `values: ${c}`)));
  const meaning = typeof n.description === "string" ? n.description : MEANINGS[path];
  if (meaning === undefined) throw new Error(`${path} has no description; add one in src/api or MEANINGS`);
  rows.push({ path, type: typeName(n), default: defaultOf(n), meaning, constraints: constraints.join("; ") });
  collectRules(n, path, rules);
  if (element) {
    collectRules(element, `${path}[]`, rules);
    return;
  }
  const obj = n.type === "array" && isNode(n.items) ? n.items : n;
  const base = obj === n ? path : `${path}[]`;
  if (obj !== n) collectRules(obj, base, rules);
  const req = (obj.required as string[] | undefined) ?? [];
  for (const [k, child] of Object.entries(isNode(obj.properties) ? obj.properties : {})) {
    walk(child as Node, `${base}.${k}`, req.includes(k), rows, rules);
  }
}

interface KindDoc {
  crd: CustomResourceDefinition;
  rows: Row[];
  rules: Rule[];
}

function describeKind(crd: CustomResourceDefinition): KindDoc {
  const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const rows: Row[] = [];
  const rules: Rule[] = [];
  const props = root.properties as Record<string, Node>;
  for (const top of ["spec", "status"]) {
    const n = props[top]!;
    collectRules(n, top, rules);
    const req = (n.required as string[] | undefined) ?? [];
    for (const [k, child] of Object.entries(n.properties as Record<string, Node>)) walk(child, `${top}.${k}`, req.includes(k), rows, rules);
  }
  return { crd, rows, rules };
}

const fieldTable = (rows: Row[]): string[] => [
  "| Field | Type | Default | Meaning | Constraints |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${code(r.path)} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.meaning)} | ${cell(r.constraints)} |`),
];

const ruleTable = (rules: Rule[]): string[] => [
  "| On | Message | CEL |",
  "|---|---|---|",
  ...rules.map((r) => `| ${code(r.on)} | ${cell(r.message)} | ${cell(code(r.rule))} |`),
];

function columnTable(crd: CustomResourceDefinition): string[] {
  const cols = crd.spec.versions[0]!.additionalPrinterColumns;
  return [
    "| Column | Type | JSONPath | Shown |",
    "|---|---|---|---|",
    ...cols.map((c) => `| ${c.name} | ${c.type} | ${cell(code(c.jsonPath))} | ${c.priority ? "`-o wide`" : "always"} |`),
  ];
}

function kindSection(doc: KindDoc, base?: KindDoc): string[] {
  const { crd } = doc;
  const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const key = (r: Row) => JSON.stringify(r);
  const baseRows = new Set(base?.rows.map(key));
  const baseRules = new Set(base?.rules.map((r) => JSON.stringify(r)));
  const rows = doc.rows.filter((r) => !baseRows.has(key(r)));
  const rules = doc.rules.filter((r) => !baseRules.has(JSON.stringify(r)));
  const same = base ? `Every field and rule of ${base.crd.spec.names.kind} applies unchanged; only the differences are listed.` : undefined;
  return [
    `## ${crd.spec.names.kind}`,
    "",
    String(root.description),
    "",
    `\`kubectl get ${crd.spec.names.plural}\` / \`${crd.spec.names.shortNames.join("`, `")}\`; scope ${crd.spec.scope}.`,
    "",
    "### Printer columns",
    "",
    ...columnTable(crd),
    "",
    "### Fields",
    "",
    ...(same ? [same, ""] : []),
    ...fieldTable(rows),
    "",
    "### Validation rules (CEL)",
    "",
    "Checked by the API server on create and update, and by the controller's zod parsers with the same message.",
    "",
    ...(rules.length ? ruleTable(rules) : ["None beyond those listed above."]),
    "",
  ];
}

export function renderReference(): string {
  const docs = buildCrds().map(describeKind);
  const byKind = new Map(docs.map((d) => [d.crd.spec.names.kind, d]));
  const summary = [
    "| Kind | Scope | Plural | Short names | Categories |",
    "|---|---|---|---|---|",
    ...docs.map(({ crd: { spec } }) => `| ${spec.names.kind} | ${spec.scope} | ${spec.names.plural} | ${spec.names.shortNames.join(", ")} | ${spec.names.categories.join(", ")} |`),
  ];
  return [
    `# CRD reference: ${API_VERSION}`,
    "",
    "<!-- Generated by tools/gen-crd-reference.ts from the CRDs built from src/api; do not edit. -->",
    "",
    "Field paths use `[]` for list elements. Durations are Go-style with hours, minutes and seconds only",
    '(`8400h`, `1h30m`, `45s`; no days, no sign). "CEL:" marks a rule checked on that very field.',
    "Unknown fields are pruned by the API server.",
    "",
    ...summary,
    "",
    ...kindSection(byKind.get("Certificate")!),
    ...kindSection(byKind.get("RAProfile")!),
    ...kindSection(byKind.get("ClusterRAProfile")!, byKind.get("RAProfile")),
  ].join("\n");
}

function main(argv: string[]): number {
  const text = renderReference();
  if (argv.includes("--check")) {
    const current = existsSync(REFERENCE_PATH) ? readFileSync(REFERENCE_PATH, "utf8") : "";
    if (current === text) return 0;
    console.error("docs/crd-reference.md is out of date; run `node tools/gen-crd-reference.ts`");
    return 1;
  }
  writeFileSync(REFERENCE_PATH, text);
  console.log(`wrote ${REFERENCE_PATH}`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
