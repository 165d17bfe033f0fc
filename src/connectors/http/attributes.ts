// The profile's attributes as CZERTAINLY's RequestAttributeDto: {uuid?, name, contentType,
// content: [{reference?, data}]}, data typed as declared. Content from a Secret (dataSecretRef) is
// read on every call, parsed by contentType and checked like inline data; its value never
// reaches a message.
import { CONTENT_SHAPES, dataMatches, inlineData, type AttributeContentType, type RequestAttributeSpec } from "../../api/czertainly-attributes.ts";
import { ConnectorError, type SecretStore } from "../connector.ts";

export interface RequestAttribute {
  uuid?: string;
  name: string;
  contentType: AttributeContentType;
  content: { reference?: string; data: unknown }[];
}

/** Largest attribute value read from a Secret (a credential's JSON is a few KiB). */
export const MAX_ATTRIBUTE_SECRET_BYTES = 64 * 1024;

const STRING_TYPES: readonly AttributeContentType[] = ["string", "text", "date", "time", "datetime"];

export async function resolveAttributes(specs: readonly RequestAttributeSpec[] | undefined, field: string, store: SecretStore): Promise<RequestAttribute[]> {
  const out: RequestAttribute[] = [];
  for (const spec of specs ?? []) {
    const content: RequestAttribute["content"] = [];
    for (const [i, c] of spec.content.entries()) {
      const where = `${field} ${spec.name} content[${i}]`;
      const data = c.dataSecretRef ? await fromSecret(spec.contentType, c.dataSecretRef, where, store) : inlineData(c);
      // The CRD checked inline data already; a Secret's value is checked here, before it is sent.
      if (!dataMatches(spec.contentType, data)) {
        throw new ConnectorError("InvalidAttribute", `${where}: contentType ${spec.contentType} needs ${CONTENT_SHAPES[spec.contentType]}`, false);
      }
      content.push(c.reference === undefined ? { data } : { reference: c.reference, data });
    }
    out.push({ ...(spec.uuid === undefined ? {} : { uuid: spec.uuid }), name: spec.name, contentType: spec.contentType, content });
  }
  return out;
}

async function fromSecret(type: AttributeContentType, ref: { name: string; key: string }, where: string, store: SecretStore): Promise<unknown> {
  const value = (await store.read(ref.name))?.[ref.key];
  // Retryable: the Secret may simply not have been created yet.
  if (value === undefined) throw new ConnectorError("AttributeSecretNotFound", `${where}: Secret ${ref.name} has no key ${ref.key}`, true);
  if (Buffer.byteLength(value) > MAX_ATTRIBUTE_SECRET_BYTES) {
    throw new ConnectorError("InvalidAttribute", `${where}: the value in Secret ${ref.name} is over ${MAX_ATTRIBUTE_SECRET_BYTES} bytes`, false);
  }
  if (type === "secret") return { secret: value };
  if (STRING_TYPES.includes(type)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new ConnectorError("InvalidAttribute", `${where}: the value in Secret ${ref.name} key ${ref.key} is not JSON (contentType ${type} needs ${CONTENT_SHAPES[type]})`, false);
  }
}

/**
 * Declared attributes whose contentType differs from the connector's own definition
 * (GET .../raProfile/attributes): sent as declared they would be refused or dropped, so the
 * profile says which and how, before any request. Names the connector does not list are left
 * to it (group attributes, callbacks).
 */
export function definitionMismatches(definitions: unknown, declared: readonly RequestAttributeSpec[] | undefined): string[] {
  if (!Array.isArray(definitions)) return [];
  const typeOf = new Map<string, unknown>();
  for (const d of definitions as unknown[]) {
    if (d && typeof d === "object" && typeof (d as { name?: unknown }).name === "string") {
      typeOf.set((d as { name: string }).name, (d as { contentType?: unknown }).contentType);
    }
  }
  const out: string[] = [];
  for (const a of declared ?? []) {
    const defined = typeOf.get(a.name);
    if (typeof defined === "string" && defined !== a.contentType) {
      out.push(`raProfileAttributes ${a.name} is declared ${a.contentType}, but the connector defines it as ${defined.slice(0, 32)}`);
    }
  }
  return out;
}
