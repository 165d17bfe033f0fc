// Properties of the DNS wire module: every message we can encode decodes to itself; arbitrary
// bytes (and mutations of valid messages) decode or fail with DnsFormatError, never anything
// else and never hanging; compression loops are refused; TSIG signatures verify only intact.
import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signRequest, verifyResponse } from "./tsig.ts";
import { CLASS, DnsFormatError, MAX_MESSAGE, TYPE, decodeMessage, decodeName, decodeTxt, encodeMessage, encodeName, encodeTxt, type Message, type ResourceRecord } from "./wire.ts";

const label = fc.stringMatching(/^[A-Za-z0-9_-]{1,63}$/);
const name = fc.array(label, { minLength: 0, maxLength: 4 }).map((ls) => ls.join(".")).filter((n) => encodedLength(n) <= 255);
function encodedLength(n: string): number {
  return n === "" ? 1 : n.split(".").reduce((a, l) => a + l.length + 1, 1);
}
const u16 = fc.integer({ min: 0, max: 0xffff });
const record: fc.Arbitrary<ResourceRecord> = fc.record({
  name,
  type: u16,
  class: u16,
  ttl: fc.integer({ min: 0, max: 0xffffffff }),
  data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
});
const message: fc.Arbitrary<Message> = fc.record({
  id: u16,
  response: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  authoritative: fc.boolean(),
  truncated: fc.boolean(),
  recursionDesired: fc.boolean(),
  recursionAvailable: fc.boolean(),
  rcode: fc.integer({ min: 0, max: 15 }),
  questions: fc.array(fc.record({ name, type: u16, class: u16 }), { maxLength: 3 }),
  answers: fc.array(record, { maxLength: 3 }),
  authorities: fc.array(record, { maxLength: 3 }),
  additionals: fc.array(record, { maxLength: 3 }),
});

function decodesOrRefuses(buf: Buffer): void {
  try {
    decodeMessage(buf);
  } catch (e) {
    expect(e).toBeInstanceOf(DnsFormatError);
  }
}

describe("DNS wire format", () => {
  it("decodes every encoded message to itself", () => {
    fc.assert(
      fc.property(message, (m) => {
        const { lastRecordOffset: _, ...decoded } = decodeMessage(encodeMessage(m));
        expect(decoded).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it("TXT values of any length survive the 255-byte string split", () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000, unit: "grapheme" }), (v) => {
        expect(decodeTxt(encodeTxt(v))).toBe(v);
      }), { numRuns: 300 });
  });

  it("arbitrary bytes decode or fail with DnsFormatError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (a) => decodesOrRefuses(Buffer.from(a))), { numRuns: 2000 });
  });

  it("single-byte corruptions and truncations of valid messages decode or fail with DnsFormatError", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (m, at, byte, cut) => {
        const wire = encodeMessage(m);
        const bent = Buffer.from(wire);
        bent[at % bent.length] = byte;
        decodesOrRefuses(bent);
        decodesOrRefuses(wire.subarray(0, cut % wire.length));
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses compression loops, forward pointers, oversized names and messages", () => {
    const header = Buffer.alloc(12);
    header.writeUInt16BE(1, 4); // one question
    const selfLoop = Buffer.concat([header, Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(() => decodeMessage(selfLoop)).toThrow(/backwards/);
    const forward = Buffer.concat([header, Buffer.from([0xc0, 14, 0, 0, 1, 0, 1])]);
    expect(() => decodeMessage(forward)).toThrow(/backwards/);
    const long = Buffer.concat([...Array(5).fill(Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0])]);
    expect(() => decodeName(long, 0)).toThrow(/255/);
    expect(() => encodeName(`${"a".repeat(64)}.example`)).toThrow(DnsFormatError);
    expect(() => decodeMessage(Buffer.alloc(MAX_MESSAGE + 1))).toThrow(DnsFormatError);
    const many = Buffer.alloc(12);
    many.writeUInt16BE(0xffff, 6);
    expect(() => decodeMessage(many)).toThrow(/too many/);
  });

  it("follows a backward compression pointer as RFC 1035 §4.1.4 writes it", () => {
    const header = Buffer.alloc(12);
    header.writeUInt16BE(2, 4);
    const q1 = Buffer.concat([encodeName("example.test"), Buffer.from([0, 16, 0, 1])]);
    const q2 = Buffer.concat([Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 12]), Buffer.from([0, 16, 0, 1])]);
    expect(decodeMessage(Buffer.concat([header, q1, q2])).questions.map((q) => q.name)).toEqual(["example.test", "www.example.test"]);
  });
});

describe("TSIG (HMAC-SHA256)", () => {
  const key = { name: "k.example", secret: randomBytes(32) };
  const now = new Date("2026-01-01T00:00:00Z");

  /** What a server does: sign the answer over the request MAC + the answer (§5.3). */
  function serverAnswer(requestMac: Buffer, id: number, secret = key.secret): Buffer {
    const answer: Message = {
      id, response: true, opcode: 5, authoritative: false, truncated: false, recursionDesired: false, recursionAvailable: false, rcode: 0,
      questions: [{ name: "example", type: TYPE.SOA, class: CLASS.IN }], answers: [], authorities: [], additionals: [],
    };
    const encoded = encodeMessage(answer);
    // Reuse the request signer for the record layout, with the request MAC prepended to the MAC input.
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(requestMac.length);
    const signed = signRequest(Buffer.concat([prefix, requestMac, encoded]), answer, { ...key, secret }, now);
    return Buffer.concat([encoded.subarray(0, 10), Buffer.from([0, 1]), encoded.subarray(12), signed.wire.subarray(2 + requestMac.length + encoded.length)]);
  }

  it("a correctly signed answer verifies; a changed byte, another key or a stale time does not", () => {
    fc.assert(
      fc.property(u16, fc.nat(), (id, at) => {
        const mac = createHmac("sha256", "x").update(String(id)).digest();
        const raw = serverAnswer(mac, id);
        expect(verifyResponse(raw, decodeMessage(raw), key, mac, now)).toEqual({ ok: true });
        expect(verifyResponse(raw, decodeMessage(raw), key, mac, new Date(now.getTime() + 301_000)).ok).toBe(false);
        const other = serverAnswer(mac, id, randomBytes(32));
        expect(verifyResponse(other, decodeMessage(other), key, mac, now).ok).toBe(false);
        const bent = Buffer.from(raw);
        const i = 2 + (at % 20); // flags, counts or question: inside what the MAC covers
        bent[i] = bent[i]! ^ 0x01;
        try {
          expect(verifyResponse(bent, decodeMessage(bent), key, mac, now).ok).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(DnsFormatError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
