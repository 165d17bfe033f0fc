import { describe, expect, it } from "vitest";
import { computeRenewalTime } from "./renewal.ts";

const HOUR = 3600_000;
const nb = new Date("2025-01-01T00:00:00Z");
const at = (h: number): Date => new Date(nb.getTime() + h * HOUR);

describe("computeRenewalTime", () => {
  it.each([
    ["renewBefore shorter than the lifetime", 90 * 24, 30 * 24, at(60 * 24)],
    ["renewBefore equal to the lifetime", 24, 24, at(16)],
    ["renewBefore longer than the lifetime", 24, 48, at(16)],
    ["zero renewBefore", 24, 0, at(24)],
    ["renewBefore just under the lifetime: not before a third of it", 24, 23, at(8)],
    ["renewBefore of two thirds: exactly a third in", 24, 16, at(8)],
  ])("%s", (_name, lifetimeH, renewBeforeH, expected) => {
    expect(computeRenewalTime(nb, at(lifetimeH), renewBeforeH * HOUR)).toEqual(expected);
  });
});
