import { describe, expect, it } from "vitest";
import { isCIDR, isIP, parseCIDR, parseIP } from "./ip-address.ts";

describe("parseIP", () => {
  it.each(["10.0.0.1", "0.0.0.0", "255.255.255.255", "::", "::1", "fd00::1", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "64:ff9b::1.2.3.4", "1::"])(
    "accepts %s",
    (s) => expect(isIP(s)).toBe(true),
  );

  it.each(["", "10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4.5", "::ffff:1.2.3.4", "::ffff:102:304", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1.2.3.4::", "12345::", "g::1", "1:2:3:4:5:6:7::8:9"])(
    "refuses %j",
    (s) => expect(isIP(s)).toBe(false),
  );

  it("returns the bytes", () => {
    expect([...parseIP("192.168.1.2")!]).toEqual([192, 168, 1, 2]);
    expect([...parseIP("::1.2.3.4")!].slice(12)).toEqual([1, 2, 3, 4]);
    expect(parseIP("2001:db8::1")!.length).toBe(16);
  });
});

describe("parseCIDR", () => {
  it("parses IPv4 and IPv6 prefixes, host bits allowed", () => {
    expect(parseCIDR("10.0.0.0/8")?.prefix).toBe(8);
    expect(parseCIDR("10.1.2.3/8")?.prefix).toBe(8);
    expect(parseCIDR("fd00::/8")?.prefix).toBe(8);
    expect(parseCIDR("::/0")?.prefix).toBe(0);
  });
  it.each(["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.0/08", "10.0.0.0/", "/8", "x/8"])("refuses %j", (s) =>
    expect(isCIDR(s)).toBe(false),
  );
});
