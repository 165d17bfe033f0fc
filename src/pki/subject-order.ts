// The named subject fields in the order they are encoded (C, ST, L, street, postalCode, O, OU,
// CN, serialNumber, organizationIdentifier, UID), each value with its OID and its spec path.
import { ATTRIBUTE_TYPES, type SubjectField } from "./attribute-types.ts";
import type { SubjectSpec } from "./subject.ts";

export interface FieldAttribute {
  oid: string;
  value: string;
  field: SubjectField;
  /** Where the value sits in the spec, e.g. "subject.organizations[1]". */
  path: string;
}

const NAMED = ATTRIBUTE_TYPES.filter((a) => a.field !== undefined);

export function orderedFieldAttributes(s: SubjectSpec): FieldAttribute[] {
  return NAMED.flatMap(({ oid, field }) => {
    const v = s[field!];
    if (v === undefined) return [];
    if (typeof v === "string") return v === "" ? [] : [{ oid, value: v, field: field!, path: `subject.${field}` }];
    return v.map((value, i) => ({ oid, value, field: field!, path: `subject.${field}[${i}]` }));
  });
}
