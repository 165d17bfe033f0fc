import { describe, expect, it } from "vitest";
import { cidrContains } from "./ip-range.ts";

describe("cidrContains", () => {
  it.each([
    ["10.0.0.0/8", "10.255.0.1", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["192.168.1.0/25", "192.168.1.127", true],
    ["192.168.1.0/25", "192.168.1.128", false],
    ["0.0.0.0/0", "8.8.8.8", true],
    ["10.0.0.1/32", "10.0.0.1", true],
    ["fd00::/8", "fd12::1", true],
    ["fd00::/8", "fe80::1", false],
    ["2001:db8::/33", "2001:db8:7fff::1", true],
    ["2001:db8::/33", "2001:db8:8000::1", false],
    ["::/0", "10.0.0.1", false],
    ["10.0.0.0/8", "::1", false],
    ["not-a-cidr", "10.0.0.1", false],
  ])("%s contains %s -> %s", (c, ip, want) => expect(cidrContains(c, ip)).toBe(want));
});
