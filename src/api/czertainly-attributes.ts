// CZERTAINLY attributes as an RA profile declares them: each with its contentType, so the content
// keeps the type the connector's attribute definition expects (a connector given a string where
// it wants an object may drop the connection instead of answering). The data's shape is checked
// against the contentType by CEL at apply time and by zod in the operator.
import { z } from "zod";
import { withRules, type CelRule } from "./cel-rules.ts";
import { objectName, secretKeySelector } from "./common.ts";

/** CZERTAINLY's AttributeContentType (the v2 attribute model). */
export const ATTRIBUTE_CONTENT_TYPES = [
  "string",
  "text",
  "integer",
  "float",
  "boolean",
  "date",
  "time",
  "datetime",
  "object",
  "file",
  "codeblock",
  "secret",
  "credential",
] as const;
export type AttributeContentType = (typeof ATTRIBUTE_CONTENT_TYPES)[number];

/** Content types whose data is sensitive: it must come from a Secret, never inline in the spec. */
export const SECRET_CONTENT_TYPES: readonly AttributeContentType[] = ["secret", "credential"];

// CZERTAINLY's formats: date yyyy-MM-dd, time HH:mm:ss, datetime yyyy-MM-ddTHH:mm:ss(.SSS)XXX.
const DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const TIME = "^[0-9]{2}:[0-9]{2}:[0-9]{2}$";
const DATETIME = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$";

type Json = unknown;
const isMap = (v: Json): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: Json): v is string => typeof v === "string";
const mapWithStrings = (v: Json, keys: string[]) => isMap(v) && keys.every((k) => isStr(v[k]));

/**
 * Whether data has the shape the contentType calls for (the TypeScript half of the CEL rules
 * below, also used on data read from a Secret). Secret and credential data are checked here
 * too: they arrive from a Secret as the value ({secret}) or as JSON.
 */
export function dataMatches(contentType: AttributeContentType, data: Json): boolean {
  switch (contentType) {
    case "string":
    case "text":
      return isStr(data);
    case "date":
      return isStr(data) && new RegExp(DATE).test(data);
    case "time":
      return isStr(data) && new RegExp(TIME).test(data);
    case "datetime":
      return isStr(data) && new RegExp(DATETIME).test(data);
    case "integer":
      return typeof data === "number" && Number.isSafeInteger(data);
    case "float":
      return typeof data === "number" && Number.isFinite(data);
    case "boolean":
      return typeof data === "boolean";
    case "object":
      return isMap(data);
    case "file":
      return mapWithStrings(data, ["content", "fileName", "mimeType"]);
    case "codeblock":
      return mapWithStrings(data, ["language", "code"]);
    case "secret":
      return isMap(data) && isStr(data.secret);
    case "credential":
      return mapWithStrings(data, ["uuid", "name", "kind"]) && Array.isArray((data as { attributes?: unknown }).attributes);
  }
}

/** What each contentType wants, in the words of the error message. */
export const CONTENT_SHAPES: Record<AttributeContentType, string> = {
  string: "a string",
  text: "a string",
  integer: "an integer",
  float: "a number",
  boolean: "true or false",
  date: "a date yyyy-MM-dd",
  time: "a time HH:mm:ss",
  datetime: "a date-time yyyy-MM-ddTHH:mm:ssXXX",
  object: "an object",
  file: "an object {content, fileName, mimeType}",
  codeblock: "an object {language, code}",
  secret: "an object {secret}",
  credential: "an object {uuid, name, kind, attributes}",
};

// CEL half of dataMatches for inline data (`c` is one content item).
const celData: Record<Exclude<AttributeContentType, "secret" | "credential">, string> = {
  string: "type(c.data) == string",
  text: "type(c.data) == string",
  date: `type(c.data) == string && c.data.matches('${DATE}')`,
  time: `type(c.data) == string && c.data.matches('${TIME}')`,
  datetime: `type(c.data) == string && c.data.matches('${DATETIME}')`,
  integer: "type(c.data) == int",
  float: "type(c.data) == double || type(c.data) == int",
  boolean: "type(c.data) == bool",
  object: "type(c.data) == map",
  file: "type(c.data) == map && ['content', 'fileName', 'mimeType'].all(k, k in c.data && type(c.data[k]) == string)",
  codeblock: "type(c.data) == map && ['language', 'code'].all(k, k in c.data && type(c.data[k]) == string)",
};

/** Any JSON value: the CRD keeps it as written (no pruning, no type), CEL judges its shape. */
const anyJson = z
  .unknown()
  .meta({ "x-kubernetes-preserve-unknown-fields": true })
  .describe("The content's data, typed by the attribute's contentType (a string, a number, true/false or an object).");

const contentItem = withRules(
  z.object({
    data: anyJson.optional(),
    dataSecretRef: secretKeySelector
      .optional()
      .describe(
        "Take the data from a Secret instead: for secret the value itself, for string types the text, for other types its JSON. Required for secret and credential.",
      ),
    reference: z.string().max(256).optional().describe("The content's reference (a display label some connectors read)."),
  }),
  [
    {
      rule: "has(self.data) != has(self.dataSecretRef)",
      message: "set exactly one of data and dataSecretRef",
      holds: (c) => (c.data !== undefined) !== (c.dataSecretRef !== undefined),
    },
  ],
);
export type AttributeContentSpec = z.output<typeof contentItem>;

const inlineRules: CelRule<{ contentType: AttributeContentType; content: AttributeContentSpec[] }>[] = Object.entries(celData).map(
  ([type, cel]) => ({
    rule: `self.contentType != '${type}' || self.content.all(c, !has(c.data) || (${cel}))`,
    message: `contentType ${type} needs data that is ${CONTENT_SHAPES[type as AttributeContentType]}`,
    fieldPath: ".content",
    holds: (a) => a.contentType !== type || a.content.every((c) => c.data === undefined || dataMatches(a.contentType, c.data)),
  }),
);

export const requestAttributeSchema = withRules(
  z.object({
    name: z.string().min(1).max(256).describe("The attribute's name as the connector defines it (e.g. ra_profile_engine)."),
    uuid: z.string().min(1).max(64).optional().describe("The attribute's UUID in the connector's definition, when it wants one."),
    contentType: z
      .enum(ATTRIBUTE_CONTENT_TYPES)
      .describe("The attribute's content type, as the connector's attribute definition declares it; the data must have this type."),
    content: z.array(contentItem).min(1).max(20).describe("The attribute's values (one, unless the attribute is a list)."),
  }),
  [
    ...inlineRules,
    {
      rule: "!(self.contentType in ['secret', 'credential']) || self.content.all(c, has(c.dataSecretRef))",
      message: "secret and credential content must come from a Secret (dataSecretRef), never inline",
      fieldPath: ".content",
      holds: (a) => !SECRET_CONTENT_TYPES.includes(a.contentType) || a.content.every((c) => c.dataSecretRef !== undefined),
    },
  ],
);
export type RequestAttributeSpec = z.output<typeof requestAttributeSchema>;

/** A list of attributes with unique names. */
export function requestAttributesSchema(description: string) {
  return withRules(z.array(requestAttributeSchema).max(20), [
    {
      rule: "self.all(a, self.exists_one(b, b.name == a.name))",
      message: "attribute names must be unique",
      holds: (list) => new Set(list.map((a) => a.name)).size === list.length,
    },
  ])
    .optional()
    .describe(description);
}

/** The client certificate for mTLS to the connector: a kubernetes.io/tls Secret. */
export const clientCertificateRef = z.object({
  name: objectName.describe("Name of a Secret in the profile's namespace holding tls.crt (certificate, then chain) and tls.key."),
});
