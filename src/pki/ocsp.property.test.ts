// Hostile input for the OCSP request parser: any bytes, and valid requests with bytes flipped,
// cut or appended, either parse or fail with OcspRequestError (answered malformedRequest), never
// another exception; and what parses round-trips its CertIDs and nonce.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as asn1js from "asn1js";
import { MAX_OCSP_CERT_IDS, MAX_OCSP_REQUEST_BYTES, OcspRequestError, OID, parseOcspRequest } from "./ocsp.ts";

/** A DER OCSPRequest with the given CertIDs (SHA-1 hashes) and an optional nonce. */
function request(ids: { name: Uint8Array; key: Uint8Array; serial: Uint8Array }[], nonce?: Uint8Array): Uint8Array {
  const sha1 = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: "1.3.14.3.2.26" }), new asn1js.Null()] });
  const list = ids.map(
    (id) =>
      new asn1js.Sequence({
        value: [new asn1js.Sequence({ value: [sha1, new asn1js.OctetString({ valueHex: id.name }), new asn1js.OctetString({ valueHex: id.key }), new asn1js.Integer({ valueHex: id.serial })] })],
      }),
  );
  const tbs: asn1js.AsnType[] = [new asn1js.Sequence({ value: list })];
  if (nonce) {
    const value = new asn1js.OctetString({ valueHex: nonce }).toBER(false);
    const ext = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.nonce }), new asn1js.OctetString({ valueHex: value })] });
    tbs.push(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 2 }, value: [new asn1js.Sequence({ value: [ext] })] }));
  }
  return new Uint8Array(new asn1js.Sequence({ value: [new asn1js.Sequence({ value: tbs })] }).toBER(false));
}

function parsesOrRefuses(der: Uint8Array): void {
  try {
    parseOcspRequest(der);
  } catch (e) {
    expect(e).toBeInstanceOf(OcspRequestError);
  }
}

const hash = fc.uint8Array({ minLength: 20, maxLength: 20 });
// Positive serials without a leading zero octet (DER minimal), up to 20 octets.
const serial = fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => {
  const out = Uint8Array.from(b);
  out[0] = ((out[0] ?? 1) & 0x7f) | 0x01;
  return out;
});
const certIds = fc.array(fc.record({ name: hash, key: hash, serial }), { minLength: 1, maxLength: MAX_OCSP_CERT_IDS });

describe("OCSP request parser (property)", () => {
  it("never throws anything but OcspRequestError on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => parsesOrRefuses(b)), { numRuns: 2000 });
  });

  it("round-trips CertIDs and nonces, whatever bytes the hashes hold (even ones that look like DER)", () => {
    fc.assert(
      fc.property(certIds, fc.option(fc.uint8Array({ minLength: 1, maxLength: 32 }), { nil: undefined }), (ids, nonce) => {
        const got = parseOcspRequest(request(ids, nonce));
        expect(got.certIds.map((c) => [c.issuerNameHash, c.issuerKeyHash, c.serialNumber])).toEqual(
          ids.map((i) => [Buffer.from(i.name).toString("hex"), Buffer.from(i.key).toString("hex"), BigInt(`0x${Buffer.from(i.serial).toString("hex")}`).toString(16)]),
        );
        if (nonce) expect(Buffer.from(got.nonce!)).toEqual(Buffer.from(new asn1js.OctetString({ valueHex: nonce }).toBER(false)));
        else expect(got.nonce).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it("refuses mutated, truncated and padded requests cleanly", () => {
    fc.assert(
      fc.property(certIds, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("flip", "cut", "append"), (ids, at, byte, how) => {
        const der = request(ids, new Uint8Array([1, 2, 3]));
        const i = at % der.byteLength;
        const bad = how === "flip" ? Uint8Array.from(der, (b, j) => (j === i ? b ^ (byte | 1) : b)) : how === "cut" ? der.subarray(0, i) : Uint8Array.from([...der, byte]);
        parsesOrRefuses(bad);
        if (how === "append") expect(() => parseOcspRequest(bad)).toThrow(OcspRequestError);
      }),
      { numRuns: 400 },
    );
  });

  it("caps size, CertID count and nonce length", () => {
    expect(() => parseOcspRequest(new Uint8Array(MAX_OCSP_REQUEST_BYTES + 1))).toThrow(/larger than/);
    const id = { name: new Uint8Array(20), key: new Uint8Array(20), serial: new Uint8Array([1]) };
    expect(() => parseOcspRequest(request(Array.from({ length: MAX_OCSP_CERT_IDS + 1 }, () => id)))).toThrow(/more than 16/);
    expect(() => parseOcspRequest(request([id], new Uint8Array(64)))).toThrow(/nonce/);
    expect(() => parseOcspRequest(new Uint8Array(0))).toThrow(OcspRequestError);
  });
});
