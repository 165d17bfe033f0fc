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
  return MATCHES[contentType](data);
}

const pattern = (p: string) => (v: Json) => isStr(v) && new RegExp(p).test(v);
const MATCHES: Record<AttributeContentType, (data: Json) => boolean> = {
  string: isStr,
  text: isStr,
  date: pattern(DATE),
  time: pattern(TIME),
  datetime: pattern(DATETIME),
  integer: (v) => typeof v === "number" && Number.isSafeInteger(v),
  float: (v) => typeof v === "number" && Number.isFinite(v),
  boolean: (v) => typeof v === "boolean",
  object: isMap,
  file: (v) => mapWithStrings(v, ["content", "fileName", "mimeType"]),
  codeblock: (v) => mapWithStrings(v, ["language", "code"]),
  secret: (v) => isMap(v) && isStr(v.secret),
  credential: (v) => mapWithStrings(v, ["uuid", "name", "kind"]) && Array.isArray((v as { attributes?: unknown }).attributes),
};

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

/**
 * The CRD cannot type one field by a sibling (and CEL cannot read an untyped field), so each
 * content item holds its data in the field of its kind; the wire carries it as `data`.
 */
export const VALUE_FIELDS = ["string", "integer", "float", "boolean", "date", "time", "datetime", "object", "file", "codeblock", "dataSecretRef"] as const;
type ValueField = (typeof VALUE_FIELDS)[number];

/** Which field holds the data of each contentType (dataSecretRef is allowed for all). */
export const FIELD_OF: Record<AttributeContentType, ValueField> = {
  string: "string",
  text: "string",
  date: "date",
  time: "time",
  datetime: "datetime",
  integer: "integer",
  float: "float",
  boolean: "boolean",
  object: "object",
  file: "file",
  codeblock: "codeblock",
  secret: "dataSecretRef",
  credential: "dataSecretRef",
};

const FLOAT = "^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$";

const contentItem = withRules(
  z.object({
    string: z.string().max(65536).optional().describe("The data of string and text attributes."),
    date: z.string().max(10).regex(new RegExp(DATE), { message: "must be a date yyyy-MM-dd" }).optional().describe("The data of date attributes, yyyy-MM-dd."),
    time: z.string().max(8).regex(new RegExp(TIME), { message: "must be a time HH:mm:ss" }).optional().describe("The data of time attributes, HH:mm:ss."),
    datetime: z
      .string()
      .max(40)
      .regex(new RegExp(DATETIME), { message: "must be a date-time yyyy-MM-ddTHH:mm:ss(.SSS)XXX" })
      .optional()
      .describe("The data of datetime attributes, yyyy-MM-ddTHH:mm:ss(.SSS)XXX."),
    integer: z.int().optional().describe("The data of integer attributes."),
    float: z
      .string()
      .max(64)
      .regex(new RegExp(FLOAT), { message: "must be a decimal number" })
      .optional()
      .describe('The data of float attributes, written as a decimal string (e.g. "0.5"); sent as a JSON number.'),
    boolean: z.boolean().optional().describe("The data of boolean attributes."),
    object: z
      .looseObject({})
      .meta({ "x-kubernetes-preserve-unknown-fields": true })
      .optional()
      .describe("The data of object attributes, sent as written (e.g. {engineName: pki})."),
    file: z
      .object({
        content: z.string().max(65536).describe("The file's content (base64 for binary files)."),
        fileName: z.string().min(1).max(256).describe("The file's name."),
        mimeType: z.string().min(1).max(256).describe("The file's MIME type."),
      })
      .optional()
      .describe("The data of file attributes."),
    codeblock: z
      .object({
        language: z.string().min(1).max(32).describe("The code's language (CZERTAINLY's ProgrammingLanguageEnum, e.g. json)."),
        code: z.string().max(65536).describe("The code, base64."),
      })
      .optional()
      .describe("The data of codeblock attributes."),
    dataSecretRef: secretKeySelector
      .optional()
      .describe("Take the data from a Secret instead: for secret the value itself, for string types the text, for other types its JSON. Required for secret and credential."),
    reference: z.string().max(256).optional().describe("The content's reference (a display label some connectors read)."),
  }),
  [
    {
      rule: `[${VALUE_FIELDS.map((f) => `has(self.${f})`).join(", ")}].filter(x, x).size() == 1`,
      message: `set exactly one of ${VALUE_FIELDS.join(", ")}`,
      holds: (c) => VALUE_FIELDS.filter((f) => c[f] !== undefined).length === 1,
    },
  ],
);
export type AttributeContentSpec = z.output<typeof contentItem>;

const fieldRules: CelRule<{ contentType: AttributeContentType; content: AttributeContentSpec[] }>[] = ATTRIBUTE_CONTENT_TYPES.map((type) => {
  const field = FIELD_OF[type];
  const inline = field === "dataSecretRef" ? "false" : `has(c.${field})`;
  return {
    rule: `self.contentType != '${type}' || self.content.all(c, has(c.dataSecretRef) || (${inline}))`,
    message:
      field === "dataSecretRef"
        ? `contentType ${type} must come from a Secret (dataSecretRef), never inline`
        : `contentType ${type} needs ${field} holding ${CONTENT_SHAPES[type]} (or dataSecretRef)`,
    fieldPath: ".content",
    holds: (a) =>
      a.contentType !== type ||
      a.content.every((c) => c.dataSecretRef !== undefined || (field !== "dataSecretRef" && c[field] !== undefined)),
  };
});

/** The data of an inline content item, as the wire sends it (dataSecretRef is read by the connector). */
export function inlineData(c: AttributeContentSpec): unknown {
  if (c.float !== undefined) return Number(c.float);
  return c.string ?? c.date ?? c.time ?? c.datetime ?? c.integer ?? c.boolean ?? c.object ?? c.file ?? c.codeblock;
}

export const requestAttributeSchema = withRules(
  z.object({
    name: z.string().min(1).max(256).describe("The attribute's name as the connector defines it (e.g. ra_profile_engine)."),
    uuid: z.string().min(1).max(64).optional().describe("The attribute's UUID in the connector's definition, when it wants one."),
    contentType: z
      .enum(ATTRIBUTE_CONTENT_TYPES)
      .describe("The attribute's content type, as the connector's attribute definition declares it; the data must have this type."),
    content: z.array(contentItem).min(1).max(20).describe("The attribute's values (one, unless the attribute is a list)."),
  }),
  fieldRules,
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
