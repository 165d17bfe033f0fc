import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError, parseArgs, parseTimeout, type FlagSpec } from "./args.ts";

const VERB_FLAGS: FlagSpec[] = [
  { name: "reason", value: true, help: "" },
  { name: "wait", value: false, help: "" },
];
const parse = (argv: string[]) => parseArgs(argv, (v) => (v === "revoke" ? VERB_FLAGS : []));

describe("parseArgs", () => {
  it("takes global flags anywhere, in every spelling kubectl accepts", () => {
    for (const argv of [
      ["-n", "ns", "revoke", "x", "--reason", "keyCompromise"],
      ["revoke", "-nns", "x", "--reason=keyCompromise"],
      ["revoke", "x", "--namespace=ns", "--reason", "keyCompromise"],
      ["--namespace", "ns", "revoke", "--reason", "keyCompromise", "x"],
    ]) {
      const p = parse(argv);
      expect(p.verb).toBe("revoke");
      expect(p.positionals).toEqual(["x"]);
      expect(p.flags.get("namespace")).toBe("ns");
      expect(p.flags.get("reason")).toBe("keyCompromise");
    }
  });

  it("refuses unknown flags, flags of another verb, missing values, bad -o and -n with -A", () => {
    for (const argv of [["status", "--reason", "x"], ["revoke", "x", "--reason"], ["revoke", "--frob"], ["status", "-o", "xml"], ["status", "-n", "a", "-A"], ["revoke", "--wait=maybe"]]) {
      expect(() => parse(argv), argv.join(" ")).toThrow(UsageError);
    }
  });

  it("booleans take =true/=false, and -- ends the flags", () => {
    expect(parse(["revoke", "x", "--wait=false"]).flags.get("wait")).toBe("false");
    expect(parse(["revoke", "--", "-odd-name"]).positionals).toEqual(["-odd-name"]);
  });

  it("never throws anything but UsageError, whatever the command line (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom("-n", "-A", "-o", "--reason", "revoke", "--", "-", "--wait=true", "-ojson")), { maxLength: 12 }), (argv) => {
        try {
          const p = parse(argv);
          // What is parsed is what was given: no positional invented or lost besides the verb.
          expect(p.positionals.every((x) => argv.includes(x))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});

describe("parseTimeout", () => {
  it("reads kubectl-style durations and refuses others", () => {
    expect(parseTimeout("90s")).toBe(90_000);
    expect(parseTimeout("2m")).toBe(120_000);
    expect(parseTimeout("30")).toBe(30_000);
    expect(() => parseTimeout("soon")).toThrow(UsageError);
  });
});
