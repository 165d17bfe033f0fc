import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DesiredRequest } from "./desired.ts";
import { refusalRecheckRemaining, refusedRequestRecord, requestInputs } from "./refused-request.ts";

const HOUR = 3_600_000;
const at = new Date("2026-03-01T10:00:00Z");
const desired = {
  type: "server",
  subject: "CN=a.example.com",
  subjectSpec: { commonName: "a.example.com" },
  sans: { dnsNames: ["a.example.com"], ipAddresses: [], uris: [], emailAddresses: [] },
  key: { algorithm: "ECDSA", size: 256 },
  durationMs: 90 * 86_400_000,
  renewBeforeMs: 30 * 86_400_000,
  rotationPolicy: "Always",
  external: false,
} as unknown as DesiredRequest;

describe("refused request", () => {
  const inputs = requestInputs(2, 5, desired);
  const stored = refusedRequestRecord(inputs, at, HOUR);
  const later = (ms: number) => new Date(at.getTime() + ms);

  it("holds back the same request until its recheck time", () => {
    expect(stored).toEqual({ ...inputs, time: "2026-03-01T10:00:00Z", retryTime: "2026-03-01T11:00:00Z" });
    expect(refusalRecheckRemaining(stored, inputs, undefined, later(1000))).toBe(HOUR - 1000);
    expect(refusalRecheckRemaining(stored, inputs, undefined, later(HOUR))).toBeUndefined();
    expect(refusalRecheckRemaining(undefined, inputs, undefined, at)).toBeUndefined();
  });

  it("lets a changed spec, profile, request or a profile Ready since the refusal through at once", () => {
    expect(refusalRecheckRemaining(stored, { ...inputs, generation: 3 }, undefined, at)).toBeUndefined();
    expect(refusalRecheckRemaining(stored, { ...inputs, profileGeneration: 6 }, undefined, at)).toBeUndefined();
    const csr = requestInputs(2, 5, desired, { publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n" });
    expect(refusalRecheckRemaining(stored, csr, undefined, at)).toBeUndefined();
    expect(refusalRecheckRemaining(stored, inputs, "2026-03-01T10:00:01Z", later(2000))).toBeUndefined();
    // Ready before the refusal (the authority answered all along) does not.
    expect(refusalRecheckRemaining(stored, inputs, "2026-03-01T09:00:00Z", later(2000))).toBe(HOUR - 2000);
  });

  it("the digest is a function of what is asked only: key order and fields outside the request do not move it", () => {
    fc.assert(
      fc.property(fc.array(fc.domain(), { maxLength: 4 }), fc.integer({ min: 1, max: 10 ** 9 }), (names, renewBeforeMs) => {
        const d = { ...desired, sans: { ...desired.sans, dnsNames: names } } as DesiredRequest;
        const reversed = Object.fromEntries(Object.entries(d).reverse()) as unknown as DesiredRequest;
        const reordered = { ...reversed, sans: { emailAddresses: [], uris: [], ipAddresses: [], dnsNames: names }, renewBeforeMs, rotationPolicy: "Never" } as DesiredRequest;
        const reorderedInputs = requestInputs(1, 1, reordered);
        expect(reorderedInputs.requestDigest).toBe(requestInputs(1, 1, d).requestDigest);
        expect(reorderedInputs.requestDigest).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
    expect(requestInputs(1, 1, { ...desired, durationMs: 1 }).requestDigest).not.toBe(inputs.requestDigest);
  });
});
