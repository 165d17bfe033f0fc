import { describe, expect, it } from "vitest";
import { infeasibility } from "./feasibility.ts";

describe("infeasibility", () => {
  it.each([
    ["an Ed25519 encryption certificate", { type: "encryption" as const, key: { algorithm: "Ed25519" as const }, durationMs: 3_600_000 }, "KeyNotSuitableForType"],
    ["a zero duration", { type: "server" as const, key: { algorithm: "ECDSA" as const, size: 256 }, durationMs: 0 }, "DurationTooShort"],
    ["a negative duration", { type: "server" as const, key: { algorithm: "ECDSA" as const, size: 256 }, durationMs: -1 }, "DurationTooShort"],
  ])("refuses %s", (_n, req, rule) => {
    expect(infeasibility(req)?.rule).toBe(rule);
  });

  it("accepts what an authority can issue", () => {
    expect(infeasibility({ type: "encryption", key: { algorithm: "ECDSA", size: 256 }, durationMs: 1 })).toBeUndefined();
    expect(infeasibility({ type: "signing", key: { algorithm: "Ed25519" }, durationMs: 1 })).toBeUndefined();
  });
});
