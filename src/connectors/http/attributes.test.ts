import { describe, expect, it } from "vitest";
import type { RequestAttributeSpec } from "../../api/czertainly-attributes.ts";
import { MemorySecretStore } from "../testing/conformance.ts";
import { definitionMismatches, MAX_ATTRIBUTE_SECRET_BYTES, resolveAttributes } from "./attributes.ts";

const fromSecret = (contentType: RequestAttributeSpec["contentType"], key = "v"): RequestAttributeSpec[] => [
  { name: "a", contentType, content: [{ dataSecretRef: { name: "attrs", key } }] },
];

describe("resolveAttributes", () => {
  it("sends inline content as {name, contentType, content: [{reference?, data}]}", async () => {
    const out = await resolveAttributes(
      [
        { name: "ra_profile_engine", uuid: "e7817459-41cf-40d4-ad3d-9808ef14cad7", contentType: "object", content: [{ object: { engineName: "pki" }, reference: "PKI" }] },
        { name: "n", contentType: "integer", content: [{ integer: 3 }, { integer: 4 }] },
      ],
      "raProfileAttributes",
      new MemorySecretStore(),
    );
    expect(out).toEqual([
      { uuid: "e7817459-41cf-40d4-ad3d-9808ef14cad7", name: "ra_profile_engine", contentType: "object", content: [{ reference: "PKI", data: { engineName: "pki" } }] },
      { name: "n", contentType: "integer", content: [{ data: 3 }, { data: 4 }] },
    ]);
  });

  it("a secret comes from its Secret as {secret}; a credential as its JSON", async () => {
    const store = new MemorySecretStore();
    store.set("attrs", { v: "hunter2", cred: JSON.stringify({ uuid: "u", name: "n", kind: "Basic", attributes: [] }) });
    expect(await resolveAttributes(fromSecret("secret"), "f", store)).toEqual([{ name: "a", contentType: "secret", content: [{ data: { secret: "hunter2" } }] }]);
    expect((await resolveAttributes(fromSecret("credential", "cred"), "f", store))[0]!.content[0]!.data).toMatchObject({ kind: "Basic" });
  });

  it("a Secret's value of the wrong type, not JSON, or too large is refused without showing it; a missing one is retried", async () => {
    const store = new MemorySecretStore();
    store.set("attrs", { v: "hunter2", big: "x".repeat(MAX_ATTRIBUTE_SECRET_BYTES + 1), num: "12" });
    const err = await resolveAttributes(fromSecret("object"), "raProfileAttributes", store).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "InvalidAttribute", retryable: false });
    expect((err as Error).message).not.toContain("hunter2");
    await expect(resolveAttributes(fromSecret("object", "num"), "f", store)).rejects.toMatchObject({ reason: "InvalidAttribute", message: "f a content[0]: contentType object needs an object" });
    await expect(resolveAttributes(fromSecret("string", "big"), "f", store)).rejects.toMatchObject({ reason: "InvalidAttribute", retryable: false });
    await expect(resolveAttributes(fromSecret("string", "absent"), "f", store)).rejects.toMatchObject({ reason: "AttributeSecretNotFound", retryable: true });
  });
});

describe("definitionMismatches", () => {
  const declared: RequestAttributeSpec[] = [
    { name: "ra_profile_engine", contentType: "string", content: [{ string: "pki" }] },
    { name: "extra", contentType: "string", content: [{ string: "x" }] },
  ];

  it("names each declared attribute whose contentType the connector defines otherwise, and ignores the rest", () => {
    const defs = [{ name: "ra_profile_engine", contentType: "object" }, { name: "ra_profile_role", contentType: "string" }, { name: 5 }, null];
    expect(definitionMismatches(defs, declared)).toEqual(["raProfileAttributes ra_profile_engine is declared string, but the connector defines it as object"]);
    expect(definitionMismatches({ not: "a list" }, declared)).toEqual([]);
    expect(definitionMismatches(undefined, declared)).toEqual([]);
  });
});
