import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pemEncode } from "../../pki/pem.ts";
import { existingFrom } from "./existing.ts";

const ctx = { type: "server" as const, caPem: undefined, exactUsages: true };
const MiB = 1024 * 1024;
const unreadable = { hasCertificate: true, hasKey: true, keyMatchesCertificate: false, issuedByCurrentCa: false, usagesMatchType: false };

describe("existingFrom", () => {
  it.each([
    ["malformed framing", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"],
    ["a stray END", "x\n-----END CERTIFICATE-----\n"],
    ["a 1 MiB tls.crt", pemEncode(Buffer.alloc((MiB * 3) / 4), "CERTIFICATE")],
    ["a 10 MiB tls.crt", "-".repeat(10 * MiB)],
    ["garbage DER", pemEncode(Buffer.from([0x30, 0x00]), "CERTIFICATE")],
  ])("reads %s as a Secret without a usable certificate, never a throw", async (_name, crt) => {
    const existing = await existingFrom({ "tls.crt": crt, "tls.key": "-----BEGIN PUBLIC KEY-----\n" }, ctx);
    expect(existing).toEqual(unreadable);
  });

  it("never throws, whatever the Secret holds", async () => {
    const pemish = fc
      .array(fc.oneof(fc.constantFrom("-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "\n", "MII", "AAAA", "=="), fc.string({ maxLength: 6 })), { maxLength: 20 })
      .map((p) => p.join(""));
    await fc.assert(
      fc.asyncProperty(pemish, pemish, async (crt, key) => {
        await existingFrom({ "tls.crt": crt, "tls.key": key }, ctx);
      }),
      { numRuns: 300 },
    );
  });
});
