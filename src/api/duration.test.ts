import { describe, expect, it } from "vitest";
import { DEFAULT_DURATION, DEFAULT_RENEW_BEFORE, durationString, formatDuration, parseDuration } from "./duration.ts";

const H = 3_600_000;

describe("parseDuration", () => {
  it.each([
    ["8400h", 8400 * H],
    ["1440h", 1440 * H],
    ["90m", 90 * 60_000],
    ["1h30m", 1.5 * H],
    ["45s", 45_000],
    ["1h0m5s", H + 5_000],
    ["2m3s", 123_000],
    ["0s", 0],
  ])("%s -> %d ms", (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
    expect(durationString.safeParse(s).success).toBe(true);
  });

  it.each(["", "1d", "1.5h", "-1h", "+1h", "30m1h", "1h 30m", "10ms", "h", "1234567h", " 1h", "1H"])(
    "refuses %j",
    (s) => {
      expect(() => parseDuration(s)).toThrow(/invalid duration .*"8400h"/);
      expect(durationString.safeParse(s).success).toBe(false);
    },
  );

  it("defaults are 350 and 60 days", () => {
    expect(parseDuration(DEFAULT_DURATION)).toBe(350 * 24 * H);
    expect(parseDuration(DEFAULT_RENEW_BEFORE)).toBe(60 * 24 * H);
  });
});

describe("formatDuration", () => {
  it.each([
    [8400 * H, "8400h"],
    [1.5 * H, "1h30m"],
    [45_000, "45s"],
    [H + 5_000, "1h5s"],
    [0, "0s"],
    [1_499, "1s"],
  ])("%d ms -> %s", (ms, s) => {
    expect(formatDuration(ms)).toBe(s);
  });

  it("round-trips through parseDuration", () => {
    for (const s of ["8400h", "1h30m", "2m3s", "45s"]) expect(formatDuration(parseDuration(s))).toBe(s);
  });

  it("refuses negative and non-finite values", () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });
});
