import { describe, expect, it } from "vitest";
import { trustTargets, type NamespaceView } from "./targets.ts";

const ns = (name: string, labels: Record<string, string> = {}, terminating = false): NamespaceView => ({ name, labels, terminating });
const all = [
  ns("team-a", { tier: "prod" }),
  ns("team-b", { tier: "prod", "trust.certwright.dev/team-a": "true" }),
  ns("team-c", { tier: "dev", "trust.certwright.dev/team-a": "true" }),
  ns("team-d", { tier: "prod", "trust.certwright.dev/team-a": "yes" }),
  ns("gone", { tier: "prod", "trust.certwright.dev/team-a": "true" }, true),
];

describe("trustTargets", () => {
  it.each([
    ["ClusterRAProfile, no selectors: every live namespace", { kind: "ClusterRAProfile" as const, name: "org" }, ["team-a", "team-b", "team-c", "team-d"]],
    ["ClusterRAProfile: its usableBy selector when trust sets none", { kind: "ClusterRAProfile" as const, name: "org", usableBy: { matchLabels: { tier: "dev" } } }, ["team-c"]],
    ["ClusterRAProfile: trust's selector wins over usableBy", { kind: "ClusterRAProfile" as const, name: "org", usableBy: { matchLabels: { tier: "dev" } }, namespaceSelector: { matchLabels: { tier: "prod" } } }, ["team-a", "team-b", "team-d"]],
    ["RAProfile without a selector: its own namespace only", { kind: "RAProfile" as const, namespace: "team-a", name: "p" }, ["team-a"]],
    ["RAProfile selecting everything: only namespaces that agreed with exactly \"true\"", { kind: "RAProfile" as const, namespace: "team-a", name: "p", namespaceSelector: {} }, ["team-a", "team-b", "team-c"]],
    ["RAProfile: agreement and selector must both hold", { kind: "RAProfile" as const, namespace: "team-a", name: "p", namespaceSelector: { matchLabels: { tier: "prod" } } }, ["team-a", "team-b"]],
    ["RAProfile of another namespace: the agreement names team-a, not it", { kind: "RAProfile" as const, namespace: "team-b", name: "p", namespaceSelector: {} }, ["team-b"]],
    ["RAProfile whose namespace is terminating: nowhere", { kind: "RAProfile" as const, namespace: "gone", name: "p" }, []],
  ])("%s", (_name, source, expected) => {
    expect(trustTargets(source, all)).toEqual(expected);
  });

  it("a tenant cannot forge agreement through its selector: matching the label key it would need is not enough", () => {
    const forged = { kind: "RAProfile" as const, namespace: "evil", name: "p", namespaceSelector: { matchExpressions: [{ key: "trust.certwright.dev/evil", operator: "DoesNotExist" as const }] } };
    expect(trustTargets(forged, [...all, ns("evil")])).toEqual(["evil"]);
  });
});
