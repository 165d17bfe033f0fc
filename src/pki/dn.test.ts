import { describe, expect, it } from "vitest";
import { escapeDnValue, formatDn } from "./dn.ts";

describe("escapeDnValue (RFC 4514 2.4)", () => {
  it.each([
    ["plain", "plain"],
    ["Acme, Inc.", "Acme\\, Inc."],
    ["a+b", "a\\+b"],
    ['say "hi"', 'say \\"hi\\"'],
    ["back\\slash", "back\\\\slash"],
    ["<x>;", "\\<x\\>\\;"],
    ["#hash", "\\#hash"],
    ["mid#hash", "mid#hash"],
    [" lead", "\\ lead"],
    ["trail ", "trail\\ "],
    [" ", "\\ "],
    ["nul\0", "nul\\00"],
    ["ação", "ação"],
  ])("%j -> %j", (input, expected) => {
    expect(escapeDnValue(input)).toBe(expected);
  });

  it("joins multi-valued RDNs with + and names unknown types by OID", () => {
    expect(
      formatDn([
        [{ oid: "2.5.4.3", value: "a" }, { oid: "1.2.3.4", value: "b" }],
        [{ oid: "2.5.4.10", value: "O, Inc" }],
      ]),
    ).toBe("CN=a+1.2.3.4=b,O=O\\, Inc");
  });
});
