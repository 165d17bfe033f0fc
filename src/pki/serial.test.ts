import { describe, expect, it } from "vitest";
import { normalizeSerial, randomSerial, serialOctetsHex } from "./serial.ts";

describe("serials", () => {
  it.each([
    ["00ABCD", "abcd"],
    ["0a:bc", "abc"],
    ["1", "1"],
    ["0", "0"],
  ])("normalizes %s to %s", (input, expected) => {
    expect(normalizeSerial(input)).toBe(expected);
  });

  it("pads to whole octets for encoding and refuses zero, non-hex and over-long serials", () => {
    expect(serialOctetsHex("abc")).toBe("0abc");
    expect(() => serialOctetsHex("00")).toThrow(/positive/);
    expect(() => normalizeSerial("xyz")).toThrow(/not hex/);
    expect(() => normalizeSerial("1".repeat(41))).toThrow(/20 octets/);
  });

  it("makes random 16-octet positive serials", () => {
    const s = randomSerial();
    expect(s).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(randomSerial()).not.toBe(s);
  });
});
