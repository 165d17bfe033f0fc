// The CZERTAINLY authority-provider v2 contract for tests, read at run time from
// ../shared/contracts/ (never copied into the repository), with the stale parts its README
// lists brought up to what current connectors implement, and validated by an OpenAPI request
// validator (openapi-backend). On top of the schema, the stricter checks a real connector makes:
// every required field present and non-empty (Go connectors refuse zero values), enum values,
// and each attribute's content typed as the connector's own definition says.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OpenAPIBackend, type Document } from "openapi-backend";
import { parse } from "yaml";
import { CONTENT_SHAPES, dataMatches, type AttributeContentType } from "../../api/czertainly-attributes.ts";

export const CONTRACT_FILE = "czertainly-authority-provider-v2.openapi.yaml";

/** ../shared/contracts beside the repository (CERTWRIGHT_CONTRACTS overrides it). */
export function contractPath(): string {
  if (process.env.CERTWRIGHT_CONTRACTS) return join(process.env.CERTWRIGHT_CONTRACTS, CONTRACT_FILE);
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const path = join(repo, "..", "shared", "contracts", CONTRACT_FILE);
  if (!existsSync(path)) throw new Error(`the CZERTAINLY contract is not at ${path}: the tests read it from ../shared/contracts/`);
  return path;
}

type Schemas = Record<string, Record<string, unknown>>;
const attributeList = { type: "array", items: { $ref: "#/components/schemas/RequestAttributeDto" } };

/** The published 2.11.0 file with the shapes connectors built since May 2024 implement (shared README). */
export function currentContract(): Document {
  const doc = parse(readFileSync(contractPath(), "utf8")) as { components: { schemas: Schemas } };
  const s = doc.components.schemas;
  const request = { type: "string", description: "Certificate signing request, base64" };
  const format = { type: "string", enum: ["pkcs10", "crmf"] };
  s.CertificateSignRequestDto = {
    type: "object",
    required: ["request", "format", "raProfileAttributes"],
    properties: { request, format, raProfileAttributes: attributeList, attributes: attributeList },
  };
  s.CertificateRenewRequestDto = {
    type: "object",
    required: ["request", "format", "raProfileAttributes", "certificate"],
    properties: {
      request,
      format,
      raProfileAttributes: attributeList,
      certificate: { type: "string" },
      meta: { type: "array", items: { $ref: "#/components/schemas/MetadataAttribute" } },
    },
  };
  // The published oneOf cannot hold a string (String, Text and Time content all match it, and the
  // base type says object): data is any JSON here, typed below by the attribute's definition.
  s.BaseAttributeContentDto = { type: "object", required: ["data"], properties: { reference: { type: "string" }, data: {} } };
  // A data attribute also satisfies CustomAttribute (same required fields), so the published oneOf
  // refuses every valid list; the discriminator on `type` is what tells them apart.
  const base = s.BaseAttributeDto!;
  base.anyOf = base.oneOf;
  delete base.oneOf;
  delete base.discriminator;
  return doc as unknown as Document;
}

export interface AttributeDefinition {
  name: string;
  uuid: string;
  contentType: AttributeContentType;
  required: boolean;
  /** Keys an object's data must carry (the Vault connector reads ra_profile_engine.data.engineName). */
  objectKeys?: string[];
}

export type Verdict = { ok: true; body: Record<string, unknown> } | { ok: false; status: 400 | 422; message: string } | { ok: false; drop: true; message: string };

/** Which attribute list of a request is judged by which definitions. */
export interface Definitions {
  raProfileAttributes: AttributeDefinition[];
  attributes: AttributeDefinition[];
}

export class CzertainlyContract {
  readonly api: OpenAPIBackend;

  private constructor(api: OpenAPIBackend) {
    this.api = api;
  }

  private static loaded: Promise<CzertainlyContract> | undefined;

  /** One per process: validators compile on first use (quick mode), then stay. */
  static load(): Promise<CzertainlyContract> {
    CzertainlyContract.loaded ??= CzertainlyContract.create();
    return CzertainlyContract.loaded;
  }

  private static async create(): Promise<CzertainlyContract> {
    const api = new OpenAPIBackend({ definition: currentContract(), strict: true, validate: true, quick: true, ajvOpts: { strict: false, allErrors: true, logger: false } });
    await api.init();
    return new CzertainlyContract(api);
  }

  /** The operation a request addresses (by method and path), or undefined for none of the contract. */
  operationOf(method: string, path: string): string | undefined {
    return this.api.matchOperation({ method, path, headers: {} })?.operationId;
  }

  /** Judges a request body as a real connector would; a type mismatch is what makes the Vault connector drop the connection. */
  judge(operationId: string, method: string, path: string, rawBody: string, defs: Definitions): Verdict {
    let body: unknown;
    try {
      body = rawBody === "" ? undefined : JSON.parse(rawBody);
    } catch (e) {
      return { ok: false, status: 400, message: (e as Error).message };
    }
    const result = this.api.validateRequest({ method, path, headers: { "content-type": "application/json" }, body }, operationId);
    if (!result.valid) return { ok: false, status: 422, message: (result.errors ?? []).map(describeError).join("; ") };
    if (body === undefined || typeof body !== "object" || Array.isArray(body)) return { ok: true, body: {} };
    const obj = body as Record<string, unknown>;
    const zero = this.zeroValue(operationId, obj);
    if (zero) return zero;
    for (const list of ["raProfileAttributes", "attributes"] as const) {
      if (!(list in obj)) continue;
      const verdict = judgeAttributes(obj[list] as Attr[], defs[list], list);
      if (verdict) return verdict;
    }
    return { ok: true, body: obj };
  }

  /** Required and present but empty: Go connectors call that a zero value. */
  private zeroValue(operationId: string, obj: Record<string, unknown>): Verdict | undefined {
    for (const [field, value] of Object.entries(obj)) {
      const empty = value === "" || (field === "raProfileAttributes" && Array.isArray(value) && value.length === 0);
      if (empty && isRequired(this.api, operationId, field)) return { ok: false, status: 422, message: `required field '${field}' is zero value.` };
    }
    return undefined;
  }

  /** A response must be what the contract says, or the test server itself is wrong. */
  assertResponse(operationId: string, status: number, body: unknown): void {
    const result = this.api.validateResponse(body, operationId, status);
    if (!result.valid) throw new Error(`the test server's ${operationId} response breaks the contract: ${(result.errors ?? []).map(describeError).join("; ")}`);
  }
}

interface Attr {
  name: string;
  contentType?: string;
  content: { data: unknown }[];
}

function judgeAttributes(list: Attr[], defs: AttributeDefinition[], field: string): Verdict | undefined {
  for (const d of defs) {
    if (d.required && !list.some((a) => a.name === d.name)) return { ok: false, status: 422, message: `${field}: required attribute ${d.name} is missing` };
  }
  for (const a of list) {
    const d = defs.find((x) => x.name === a.name);
    if (!d) return { ok: false, status: 422, message: `${field}: unknown attribute ${a.name}` };
    if (a.contentType !== undefined && a.contentType !== d.contentType) {
      return { ok: false, status: 422, message: `${field}: attribute ${a.name} has content type ${d.contentType}, not ${a.contentType}` };
    }
    for (const c of a.content) {
      const typed = dataMatches(d.contentType, c.data) && (d.objectKeys ?? []).every((k) => typeof (c.data as Record<string, unknown>)[k] === "string");
      if (!typed) return { ok: false, drop: true, message: `${field}: attribute ${a.name} needs ${CONTENT_SHAPES[d.contentType]}` };
    }
  }
  return undefined;
}

function isRequired(api: OpenAPIBackend, operationId: string, field: string): boolean {
  const op = api.getOperation(operationId) as { requestBody?: { content?: Record<string, { schema?: { required?: string[] } }> } } | undefined;
  const schema = op?.requestBody?.content?.["application/json"]?.schema;
  return schema?.required?.includes(field) ?? false;
}

/** Ajv's error in the words a connector uses: "required field 'request' is zero value." for a missing field. */
function describeError(e: { keyword?: string; params?: Record<string, unknown>; instancePath?: string; message?: string }): string {
  if (e.keyword === "required") return `required field '${String(e.params?.missingProperty)}' is zero value.`;
  if (e.keyword === "enum") return `${e.instancePath || "value"} must be one of ${JSON.stringify(e.params?.allowedValues)}`;
  return `${e.instancePath || "body"} ${e.message ?? "is invalid"}`;
}
