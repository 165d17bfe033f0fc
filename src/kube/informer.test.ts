import { describe, expect, it } from "vitest";
import { withoutManagedFields } from "./informer.ts";

describe("informer cache transform", () => {
  it("drops managedFields and keeps everything else, without touching the object received", () => {
    const received = { metadata: { name: "a", resourceVersion: "7", labels: { x: "y" }, managedFields: [{ manager: "kubectl", fieldsV1: {} }] }, spec: { n: 1 } };
    const cached = withoutManagedFields(received);
    expect(cached).toEqual({ metadata: { name: "a", resourceVersion: "7", labels: { x: "y" } }, spec: { n: 1 } });
    expect(received.metadata.managedFields).toHaveLength(1);
    const plain = { metadata: { name: "b" } };
    expect(withoutManagedFields(plain)).toBe(plain);
  });
});
