import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCertificateAuthority } from "../../pki/ca.ts";
import { pemEncode } from "../../pki/pem.ts";
import { existingFrom } from "./existing.ts";

const LEAF = await leafPem();

async function leafPem(): Promise<string> {
  const ca = await createCertificateAuthority({ commonName: "ca", now: new Date() });
  return ca.certificatePem;
}

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
    ["a good leaf with a garbage intermediate", `${LEAF}${pemEncode(Buffer.from([1, 2, 3]), "CERTIFICATE")}`],
  ])("reads %s as a Secret without a usable certificate, never a throw", async (_name, crt) => {
    const existing = await existingFrom({ "tls.crt": crt, "tls.key": "-----BEGIN PUBLIC KEY-----\n" }, ctx);
    expect(existing).toEqual(unreadable);
  });

  it("reads a good bundle", async () => {
    const existing = await existingFrom({ "tls.crt": LEAF + LEAF }, { ...ctx, exactUsages: false });
    expect(existing?.certificate?.subject).toBe("CN=ca");
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

  it("never throws on a readable leaf with a garbage CA or key either", async () => {
    const junk = fc.string({ maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(junk, junk, async (caPem, key) => {
        const e = await existingFrom({ "tls.crt": LEAF, "tls.key": key }, { ...ctx, caPem });
        expect(e?.certificate?.serialNumber).toBeDefined();
        expect(e?.keyMatchesCertificate).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
