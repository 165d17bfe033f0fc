import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { acmeSolversSchema } from "./acme-solvers.ts";
import { raProfileSpecSchema } from "./ra-profile.ts";

const rfc2136 = { nameserver: "ns1.example.com:53", zone: "example.com", tsigKeyName: "k", tsigSecretSecretRef: { name: "s", key: "secret" } };
const service = { name: "certwright-acme-solver" };

describe("acme solvers schema", () => {
  it("defaults the TSIG algorithm to hmac-sha256; integer defaults are left to the code", () => {
    const s = acmeSolversSchema.parse({ http01: { ingress: { service } }, dns01: { rfc2136 } });
    expect(s.http01?.ingress?.service.port).toBeUndefined();
    expect(s.dns01?.rfc2136.tsigAlgorithm).toBe("hmac-sha256");
    expect(acmeSolversSchema.safeParse({ dns01: { rfc2136: { ...rfc2136, ttl: 1.5 } } }).success).toBe(false);
  });

  it("refuses an empty solvers block, both route kinds at once, other TSIG algorithms and bad nameservers", () => {
    expect(acmeSolversSchema.safeParse({}).error?.issues[0]?.message).toBe("set http01, dns01 or both");
    const both = { http01: { ingress: { service }, gatewayHTTPRoute: { parentRefs: [{ name: "gw" }], service } } };
    expect(acmeSolversSchema.safeParse(both).error?.issues[0]?.message).toBe("set at most one of ingress and gatewayHTTPRoute");
    expect(acmeSolversSchema.safeParse({ dns01: { rfc2136: { ...rfc2136, tsigAlgorithm: "hmac-md5" } } }).success).toBe(false);
    expect(acmeSolversSchema.safeParse({ dns01: { rfc2136: { ...rfc2136, nameserver: "ns1 .example.com" } } }).success).toBe(false);
    expect(acmeSolversSchema.safeParse({ dns01: { rfc2136: { ...rfc2136, zone: "exa mple.com" } } }).success).toBe(false);
  });

  it("every RAProfile example of the acme section of docs/connectors.md is a valid spec", () => {
    const doc = readFileSync(new URL("../../docs/connectors.md", import.meta.url), "utf8");
    const section = doc.slice(doc.indexOf("## `acme`"), doc.indexOf("## `manual`"));
    const profiles = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as { kind: string; spec: unknown });
    expect(profiles.map((p) => p.kind)).toEqual(["RAProfile", "RAProfile"]);
    for (const p of profiles) expect(raProfileSpecSchema.safeParse(p.spec).error).toBeUndefined();
  });
});
