import { describe, expect, it } from "vitest";
import { canonicalIp, hasSans, normalizeSans } from "./san.ts";

describe("canonicalIp", () => {
  it.each([
    ["10.0.0.1", "10.0.0.1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["::", "::"],
  ])("%s -> %s", (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it("rejects non-addresses", () => {
    for (const bad of ["10.0.0.256", "example.com", "1.2.3", "fe80::1%eth0", ""]) expect(() => canonicalIp(bad)).toThrow(/not an IP address/);
  });
});

describe("normalizeSans", () => {
  it("fills every list and canonicalises IPs", () => {
    expect(normalizeSans({ ipAddresses: ["::0001"] })).toEqual({ dnsNames: [], ipAddresses: ["::1"], uris: [], emailAddresses: [] });
    expect(hasSans({})).toBe(false);
    expect(hasSans({ emailAddresses: ["a@b"] })).toBe(true);
  });

  it("rejects empty names", () => {
    expect(() => normalizeSans({ dnsNames: [""] })).toThrow(/dnsNames\[0\] "": must not be empty/);
    expect(() => normalizeSans({ dnsNames: [" "] })).toThrow(/is not a DNS name/);
  });
});
