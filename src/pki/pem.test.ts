import { describe, expect, it } from "vitest";
import { pemBlocks, pemDecode, pemEncode } from "./pem.ts";

describe("pem", () => {
  it("round-trips DER with 64-column lines", () => {
    const der = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const pem = pemEncode(der, "CERTIFICATE");
    expect(pem.split("\n")[1]).toHaveLength(64);
    expect(pemDecode(pem, ["CERTIFICATE"]).der.equals(der)).toBe(true);
  });

  it("lists blocks in order and ignores text between them", () => {
    const text = `junk\n${pemEncode(Buffer.from([1]), "A")}explanatory text\n${pemEncode(Buffer.from([2]), "B")}`;
    expect(pemBlocks(text).map((b) => [b.label, b.der[0]])).toEqual([
      ["A", 1],
      ["B", 2],
    ]);
  });

  it("rejects wrong labels, non-PEM and legacy encrypted PEM", () => {
    expect(() => pemDecode(pemEncode(Buffer.from([1]), "A"), ["B"])).toThrow(/unexpected PEM label "A"/);
    expect(() => pemDecode("hello", ["B"])).toThrow(/not PEM/);
    const legacy = `-----BEGIN RSA ${"PRIVATE"} KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n`;
    expect(() => pemBlocks(legacy)).toThrow(/malformed PEM/);
  });
});
