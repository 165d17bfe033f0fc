import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CERTIFICATE_BUNDLE_LIMITS,
  CSR_LIMITS,
  MAX_CERTIFICATE_BUNDLE_LENGTH,
  PemError,
  pemBlocks,
  pemDecode,
  pemEncode,
  type PemMeter,
} from "./pem.ts";

const MiB = 1024 * 1024;
/** Comparisons per input character the scanner may make (see the Scanner's loops). */
const STEPS_PER_CHAR = 8;
const STEPS_CONSTANT = 128;

function refusal(fn: () => unknown): PemError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PemError) return e;
    throw e;
  }
  throw new Error("expected a PemError");
}

function stepsOf(text: string, limits = CERTIFICATE_BUNDLE_LIMITS): number {
  const meter: PemMeter = { steps: 0 };
  try {
    pemBlocks(text, limits, meter);
  } catch (e) {
    if (!(e instanceof PemError)) throw e;
  }
  return meter.steps;
}

/** Inputs that made the old regex scanner quadratic, sized to just under the bundle cap. */
const adversarial: Record<string, (n: number) => string> = {
  "BEGIN lines without END": (n) => "-----BEGIN CERTIFICATE-----\nAAAA\n".repeat(Math.floor(n / 34)),
  "dashes only": (n) => "-".repeat(n),
  "BEGIN prefixes": (n) => "-----BEGIN".repeat(Math.floor(n / 10)),
  "one huge body": (n) => `-----BEGIN X-----\n${"A".repeat(n - 40)}`,
  "nearly an END": (n) => `-----BEGIN A-----\n${"-----END ".repeat(Math.floor((n - 20) / 9))}`,
};

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

  it("reads CRLF line ends and blocks glued together without a newline", () => {
    const a = pemEncode(Buffer.from([1, 2, 3]), "A").replace(/\n/g, "\r\n");
    const b = pemEncode(Buffer.from([4]), "B").trimEnd();
    expect(pemBlocks(`${a.trimEnd()}${b}`).map((x) => x.label)).toEqual(["A", "B"]);
  });

  it("rejects wrong labels, non-PEM and legacy encrypted PEM", () => {
    expect(refusal(() => pemDecode(pemEncode(Buffer.from([1]), "A"), ["B"])).message).toMatch(/unexpected PEM label "A"/);
    expect(refusal(() => pemDecode("hello", ["B"])).code).toBe("NotPem");
    const legacy = `-----BEGIN RSA ${"PRIVATE"} KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n`;
    expect(refusal(() => pemBlocks(legacy))).toMatchObject({ code: "Malformed" });
    expect(refusal(() => pemBlocks("-----BEGIN A-----\nDEK:x\n-----END A-----")).message).toMatch(/headers \(legacy encrypted PEM/);
  });

  it.each([
    ["an END with another label", "-----BEGIN A-----\nAAAA\n-----END B-----\n", /does not repeat its label/],
    ["no END line", "-----BEGIN A-----\nAAAA\n", /no END line/],
    ["a stray END", "text\n-----END A-----\n", /END line without a BEGIN/],
    ["an empty body", "-----BEGIN A-----\n-----END A-----\n", /is empty/],
    ["a truncated body", "-----BEGIN A-----\nAAA\n-----END A-----\n", /truncated/],
    ["data after padding", "-----BEGIN A-----\nAA==AAAA\n-----END A-----\n", /after its padding/],
    ["a non-base64 character", "-----BEGIN A-----\nAA*A\n-----END A-----\n", /not base64/],
    ["a lowercase label", "-----BEGIN cert-----\nAAAA\n-----END cert-----\n", /invalid label/],
    ["a dash in the body", "-----BEGIN A-----\nAA-A\n-----END A-----\n", /stray dash/],
  ])("refuses %s as Malformed", (_name, text, message) => {
    const e = refusal(() => pemBlocks(text));
    expect(e).toMatchObject({ code: "Malformed" });
    expect(e.message).toMatch(message);
  });

  it("counts blocks and DER size against the caps", () => {
    const one = pemEncode(Buffer.from([1]), "CERTIFICATE");
    expect(pemBlocks(one.repeat(16), CERTIFICATE_BUNDLE_LIMITS)).toHaveLength(16);
    expect(refusal(() => pemBlocks(one.repeat(17), CERTIFICATE_BUNDLE_LIMITS))).toMatchObject({ code: "TooManyBlocks" });
    expect(refusal(() => pemBlocks(one.repeat(2), CSR_LIMITS))).toMatchObject({ code: "TooManyBlocks" });
    const big = pemEncode(Buffer.alloc(CERTIFICATE_BUNDLE_LIMITS.maxDerBytes + 3), "CERTIFICATE");
    expect(refusal(() => pemBlocks(big, CERTIFICATE_BUNDLE_LIMITS)).message).toMatch(/over the limit of 65536 bytes/);
  });
});

describe("pem input limits", () => {
  it.each([
    ["1 MiB", MiB],
    ["10 MiB", 10 * MiB],
  ])("refuses a %s bundle before scanning it", (_name, size) => {
    const text = pemEncode(Buffer.alloc(Math.floor((size * 3) / 4)), "CERTIFICATE");
    expect(text.length).toBeGreaterThan(MAX_CERTIFICATE_BUNDLE_LENGTH);
    const meter: PemMeter = { steps: 0 };
    const e = refusal(() => pemBlocks(text, CERTIFICATE_BUNDLE_LIMITS, meter));
    expect(e.code).toBe("TooLarge");
    expect(e.message).toBe(`certificate bundle is ${text.length} bytes, over the limit of ${MAX_CERTIFICATE_BUNDLE_LENGTH}`);
    expect(meter.steps).toBe(0);
  });

  it.each(Object.entries(adversarial))("scans %s in linear steps, up to the cap", (_name, make) => {
    const small = make(MAX_CERTIFICATE_BUNDLE_LENGTH / 8);
    const large = make(MAX_CERTIFICATE_BUNDLE_LENGTH);
    expect(large.length).toBeLessThanOrEqual(MAX_CERTIFICATE_BUNDLE_LENGTH);
    const [s, l] = [stepsOf(small), stepsOf(large)];
    expect(l).toBeLessThanOrEqual(STEPS_PER_CHAR * large.length + STEPS_CONSTANT);
    // Eight times the input, at most a little over eight times the work (not 64 times).
    expect(l).toBeLessThanOrEqual(8.5 * s + STEPS_CONSTANT);
  });
});

/** Text built from the pieces PEM framing is made of, so the fuzzing reaches deep states. */
const pemish = fc
  .array(
    fc.oneof(
      fc.constantFrom("-----BEGIN ", "-----END ", "-----", "CERTIFICATE", "A", " ", "\n", "\r\n", "=", "==", ":", "-", "AAAA", "+/9z"),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: "binary", maxLength: 4 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

const blocksArb = fc.array(
  fc.record({
    label: fc.constantFrom("CERTIFICATE", "CERTIFICATE REQUEST", "X509 CRL", "PUBLIC KEY", "A1"),
    der: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  }),
  { maxLength: 8 },
);

describe("pem scanner properties", () => {
  it("never throws anything but a PemError, on any input", () => {
    fc.assert(
      fc.property(fc.oneof(pemish, fc.string({ unit: "binary", maxLength: 300 })), (text) => {
        try {
          pemBlocks(text);
        } catch (e) {
          if (!(e instanceof PemError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("does at most a constant amount of work per character, on any input", () => {
    fc.assert(
      fc.property(pemish, (text) => stepsOf(text) <= STEPS_PER_CHAR * text.length + STEPS_CONSTANT),
      { numRuns: 2000 },
    );
  });

  it("round-trips bundles, whatever text sits between the blocks", () => {
    const between = fc.string({ maxLength: 40 }).map((s) => s.replace(/-/g, ""));
    fc.assert(
      fc.property(blocksArb, fc.array(between, { minLength: 9, maxLength: 9 }), (blocks, junk) => {
        const text = blocks.map((b, i) => `${junk[i]}${pemEncode(b.der, b.label)}`).join("") + junk[8];
        const read = pemBlocks(text);
        expect(read.map((b) => b.label)).toEqual(blocks.map((b) => b.label));
        read.forEach((b, i) => expect(b.der.equals(Buffer.from(blocks[i]!.der))).toBe(true));
      }),
      { numRuns: 300 },
    );
  });
});
