import { describe, expect, it } from "vitest";
import { canonicalIp, canonicalSans, hasSans, normalizeSans, sanExtension, sanKey } from "./san.ts";

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

describe("canonicalSans / sanKey", () => {
  it("collapses duplicates to the first spelling, by the comparison key of each kind", () => {
    expect(
      canonicalSans({
        dnsNames: ["API.example.com", "api.example.com", "b.example"],
        ipAddresses: ["2001:DB8::1", "2001:db8:0::1", "10.0.0.1"],
        uris: ["urn:A", "urn:a", "urn:A"],
        emailAddresses: ["Ops@Example.com", "Ops@example.COM", "ops@example.com"],
      }),
    ).toEqual({
      dnsNames: ["API.example.com", "b.example"],
      ipAddresses: ["2001:db8::1", "10.0.0.1"],
      uris: ["urn:A", "urn:a"],
      emailAddresses: ["Ops@Example.com", "ops@example.com"],
    });
  });

  it("never throws and fills absent lists", () => {
    expect(canonicalSans({ ipAddresses: ["not-an-ip", "not-an-ip"] })).toEqual({ dnsNames: [], ipAddresses: ["not-an-ip"], uris: [], emailAddresses: [] });
  });

  it("keys: DNS case-insensitive, email domain only, IPs as addresses, URIs exact", () => {
    expect(sanKey("dnsNames", "A.B")).toBe("a.b");
    expect(sanKey("emailAddresses", "Ops@A.B")).toBe("Ops@a.b");
    expect(sanKey("ipAddresses", "::0001")).toBe("::1");
    expect(sanKey("uris", "URN:X")).toBe("URN:X");
  });

  it("sanExtension writes each name once", () => {
    const ext = sanExtension({ dnsNames: ["a.example", "A.EXAMPLE"], ipAddresses: ["::1", "0:0::1"] }, false)!;
    expect(ext.names.items.map((n) => `${n.type}:${n.value}`)).toEqual(["dns:a.example", "ip:::1"]);
  });

  it("sanExtension refuses what an IA5String cannot carry instead of truncating it", () => {
    expect(() => sanExtension({ emailAddresses: ["josé@example.com"] }, false)).toThrow(/emailAddresses\[0\] "josé@example.com": an rfc822Name \(IA5String\) is ASCII only/);
    expect(() => sanExtension({ uris: ["spiffe://td/ns/ação"] }, false)).toThrow(/percent-encode/);
    expect(() => sanExtension({ dnsNames: ["bücher.example"] }, false)).toThrow(/xn--bcher-kva\.example/);
  });
});
