import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataMatches, inlineData, requestAttributeSchema, requestAttributesSchema } from "./czertainly-attributes.ts";
import { raProfileSpecSchema } from "./ra-profile.ts";

const list = requestAttributesSchema("test");

function problems(value: unknown): string {
  const r = list.safeParse(value);
  return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
}

describe("typed CZERTAINLY attributes", () => {
  it.each<[string, unknown]>([
    ["object", { name: "ra_profile_engine", contentType: "object", content: [{ object: { engineName: "pki", nested: { a: [1, 2] } } }] }],
    ["string", { name: "ra_profile_role", contentType: "string", content: [{ string: "servers", reference: "Servers" }] }],
    ["integer", { name: "ttl", contentType: "integer", content: [{ integer: 30 }] }],
    ["float", { name: "ratio", contentType: "float", content: [{ float: "0.5" }] }],
    ["boolean", { name: "flag", contentType: "boolean", content: [{ boolean: false }] }],
    ["date", { name: "d", contentType: "date", content: [{ date: "2026-12-01" }] }],
    ["time", { name: "t", contentType: "time", content: [{ time: "23:59:00" }] }],
    ["datetime", { name: "dt", contentType: "datetime", content: [{ datetime: "2026-12-01T10:00:00.123+01:00" }] }],
    ["file", { name: "f", contentType: "file", content: [{ file: { content: "aGk=", fileName: "a.txt", mimeType: "text/plain" } }] }],
    ["secret from a Secret", { name: "s", contentType: "secret", content: [{ dataSecretRef: { name: "vault", key: "secret" } }] }],
    ["credential from a Secret", { name: "c", contentType: "credential", content: [{ dataSecretRef: { name: "cred", key: "json" } }] }],
  ])("accepts %s content and keeps its type on the wire", (_n, attr) => {
    expect(problems([attr])).toBe("");
    const parsed = requestAttributeSchema.parse(attr);
    const c = parsed.content[0]!;
    if (!c.dataSecretRef) expect(dataMatches(parsed.contentType, inlineData(c))).toBe(true);
  });

  it("keeps an object's keys as written (not stripped) and sends a float as a number", () => {
    const [engine] = list.parse([{ name: "e", contentType: "object", content: [{ object: { engineName: "pki" } }] }])!;
    expect(inlineData(engine!.content[0]!)).toEqual({ engineName: "pki" });
    const [ratio] = list.parse([{ name: "r", contentType: "float", content: [{ float: "-1.25e2" }] }])!;
    expect(inlineData(ratio!.content[0]!)).toBe(-125);
  });

  it.each<[string, unknown, RegExp]>([
    ["a string where an object is declared", { name: "e", contentType: "object", content: [{ string: "pki" }] }, /contentType object needs object holding an object/],
    ["an object where a string is declared", { name: "r", contentType: "string", content: [{ object: { a: 1 } }] }, /contentType string needs string/],
    ["an inline secret", { name: "s", contentType: "secret", content: [{ string: "hunter2" }] }, /must come from a Secret \(dataSecretRef\), never inline/],
    ["two values in one item", { name: "r", contentType: "string", content: [{ string: "a", integer: 1 }] }, /set exactly one of/],
    ["no value", { name: "r", contentType: "string", content: [{ reference: "x" }] }, /set exactly one of/],
    ["a bad date", { name: "d", contentType: "date", content: [{ date: "01.12.2026" }] }, /must be a date yyyy-MM-dd/],
    ["a float that is no number", { name: "f", contentType: "float", content: [{ float: "half" }] }, /must be a decimal number/],
    ["no content", { name: "r", contentType: "string", content: [] }, /content/],
    ["an unknown contentType", { name: "r", contentType: "json", content: [{ string: "x" }] }, /contentType/],
  ])("refuses %s", (_n, attr, want) => {
    expect(problems([attr])).toMatch(want);
  });

  it("refuses duplicate names", () => {
    const a = { name: "r", contentType: "string", content: [{ string: "x" }] };
    expect(problems([a, a])).toMatch(/attribute names must be unique/);
  });

  it("the old {name, value} form is refused: it says neither contentType nor content", () => {
    const r = raProfileSpecSchema.safeParse({
      authority: { type: "http", http: { url: "https://c.example", authorityUuid: "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", raProfileAttributes: [{ name: "endEntityProfile", value: "TLS" }] } },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining([expect.stringMatching(/raProfileAttributes\.0\.contentType$/)]));
  });

  it("dataMatches: every JSON value is judged without throwing, and only the matching type passes", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(dataMatches("integer", v)).toBe(typeof v === "number" && Number.isSafeInteger(v));
        expect(dataMatches("string", v)).toBe(typeof v === "string");
        expect(dataMatches("object", v)).toBe(typeof v === "object" && v !== null && !Array.isArray(v));
        expect(typeof dataMatches("credential", v)).toBe("boolean");
      }),
    );
  });
});
