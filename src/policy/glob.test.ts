import { describe, expect, it } from "vitest";
import { dnsNameMatches, emailMatches, uriMatches } from "./glob.ts";

describe("dnsNameMatches", () => {
  it.each([
    ["*.example.com", "a.example.com", true],
    ["*.example.com", "A.Example.COM", true],
    ["*.example.com", "a.b.example.com", false],
    ["*.example.com", "example.com", false],
    ["*.example.com", "*.example.com", true],
    ["api-*.example.com", "api-eu.example.com", true],
    ["api-*.example.com", "api-*.example.com", false],
    ["api-*.example.com", "api-eu.x.example.com", false],
    ["api-?.example.com", "api-1.example.com", true],
    ["api-?.example.com", "api-.example.com", false],
    ["a.example.com", "a.example.com", true],
    ["a.example.com", "aXexample.com", false],
    ["*.*.example.com", "a.b.example.com", true],
  ])("%s vs %s -> %s", (p, n, want) => expect(dnsNameMatches(p, n)).toBe(want));
});

describe("uriMatches / emailMatches", () => {
  it.each([
    ["spiffe://td/ns/*/sa/*", "spiffe://td/ns/a/sa/b", true],
    ["spiffe://td/ns/*/sa/*", "spiffe://td/ns/a/x/sa/b", false],
    ["https://example.com/?", "https://example.com/a", true],
    ["urn:example:(x)", "urn:example:(x)", true],
  ])("uri %s vs %s -> %s", (p, v, want) => expect(uriMatches(p, v)).toBe(want));

  it.each([
    ["*@example.com", "ops@example.com", true],
    ["*@example.com", "ops@EXAMPLE.com", true],
    ["*@example.com", "a@b@example.com", false],
    ["ops@*.example.com", "ops@eu.example.com", true],
    ["*@example.com", "ops@example.com.evil", false],
  ])("email %s vs %s -> %s", (p, v, want) => expect(emailMatches(p, v)).toBe(want));
});
