import { describe, expect, it } from "vitest";
import { outputsDigest, readRecord, recordAnnotations } from "./secret-record.ts";

describe("secret record", () => {
  it("round-trips through annotations", () => {
    const r = { serialNumber: "0a1b", revision: 3, previousSerialNumber: "09", previousCertificatePem: "PEM", renewalRequestId: "r1", outputsDigest: "d" };
    expect(readRecord({ metadata: { annotations: recordAnnotations(r) } })).toEqual(r);
  });

  it("reads nothing from a Secret without a complete record", () => {
    expect(readRecord(undefined)).toBeUndefined();
    expect(readRecord({ metadata: { annotations: { "certwright.dev/serial-number": "01" } } })).toBeUndefined();
    expect(readRecord({ metadata: { annotations: { "certwright.dev/serial-number": "01", "certwright.dev/revision": "0" } } })).toBeUndefined();
  });

  it("digests the derived outputs only, binary-exact, and tells a missing key from an empty one", () => {
    const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
    const base = { "tls.crt": b64("leaf"), "ca.crt": b64("ca"), "keystore.p12": b64(Buffer.from([0xff, 0x00, 0xfe])) };
    const d = outputsDigest(base);
    expect(outputsDigest({ ...base, "tls.crt": b64("other leaf") })).toBe(d);
    expect(outputsDigest({ ...base, "keystore.p12": b64(Buffer.from([0xff, 0x00, 0xfd])) })).not.toBe(d);
    expect(outputsDigest({ ...base, "ca.crt": b64("") })).not.toBe(outputsDigest({ "tls.crt": base["tls.crt"], "keystore.p12": base["keystore.p12"] }));
    expect(outputsDigest({ ...base, "jwks.json": b64("{}") })).not.toBe(d);
  });
});
