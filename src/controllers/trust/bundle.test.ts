import { describe, expect, it } from "vitest";
import { bundleConfigMap, ownedBy, sameData, sourceHash, sourceOf, TRUST_SOURCE_LABEL, A_SOURCE_NAME, type SourceRef } from "./bundle.ts";

const team: SourceRef = { kind: "RAProfile", namespace: "team-a", name: "p" };
const org: SourceRef = { kind: "ClusterRAProfile", namespace: "", name: "p" };

describe("trust bundle ownership", () => {
  it("recognises its own bundle, and no other profile's", () => {
    const cm = bundleConfigMap(team, "team-b", "ca", { "ca.crt": "x" });
    expect(sourceOf(cm)).toEqual(team);
    expect(ownedBy(cm, team)).toBe(true);
    expect(ownedBy(cm, org)).toBe(false);
    expect(ownedBy(cm, { ...team, namespace: "team-b" })).toBe(false);
  });

  it("distinct sources hash apart, and the hash fits a label value", () => {
    const hashes = new Set([team, org, { ...team, name: "q" }, { ...team, namespace: "team-b" }].map(sourceHash));
    expect(hashes.size).toBe(4);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each([
    ["no labels at all (someone's ConfigMap)", { metadata: { name: "ca" } }],
    ["annotations without the source label", { metadata: { name: "ca", annotations: bundleConfigMap(team, "x", "ca", {}).metadata.annotations } }],
    ["annotations edited to another profile: the label's hash no longer matches", (() => {
      const cm = bundleConfigMap(team, "x", "ca", {});
      cm.metadata.annotations = { ...cm.metadata.annotations, [A_SOURCE_NAME]: "other" };
      return cm;
    })()],
    ["a label copied without annotations", { metadata: { name: "ca", labels: { [TRUST_SOURCE_LABEL]: sourceHash(team) } } }],
    ["an unknown kind", (() => {
      const cm = bundleConfigMap(team, "x", "ca", {});
      cm.metadata.annotations = { ...cm.metadata.annotations, "certwright.dev/trust-source-kind": "Secret" };
      return cm;
    })()],
  ])("is not ours: %s", (_name, cm) => {
    expect(sourceOf(cm)).toBeUndefined();
    expect(ownedBy(cm, team)).toBe(false);
  });

  it("compares data exactly, extra or missing keys included", () => {
    const cm = bundleConfigMap(team, "x", "ca", { "ca.crt": "a", "ca.crl": "b" });
    expect(sameData(cm, { "ca.crt": "a", "ca.crl": "b" })).toBe(true);
    expect(sameData(cm, { "ca.crt": "a" })).toBe(false);
    expect(sameData(cm, { "ca.crt": "a", "ca.crl": "c" })).toBe(false);
  });
});
