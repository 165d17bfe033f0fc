import { describe, expect, it } from "vitest";
import { failedStatus, mergePatchOf, retryDelayMs } from "./status.ts";

describe("status helpers", () => {
  it("back-off doubles from 10 s and caps at one hour", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(30)).toBe(3_600_000);
  });

  it("a failure counts the attempt and schedules the retry", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const { status, retryAt } = failedStatus({ failedIssuanceAttempts: 2 }, now);
    expect(status.failedIssuanceAttempts).toBe(3);
    expect(retryAt.getTime() - now.getTime()).toBe(40_000);
  });

  it("merge patches null out fields that went away, so the server drops them", () => {
    expect(mergePatchOf({ a: 1, b: 2, c: undefined }, { a: 3, b: undefined })).toEqual({ a: 3, b: null });
  });
});
