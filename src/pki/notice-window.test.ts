import { describe, expect, it } from "vitest";
import { lifetimeMs, noticeWindowMs } from "./notice-window.ts";

const H = 3_600_000;
const DAY = 24 * H;
const DEFAULT = 60 * DAY;

describe("noticeWindowMs", () => {
  it.each([
    ["350-day certificate, unset: the 60-day default", undefined, 350 * DAY, DEFAULT],
    ["180-day certificate, unset: exactly the default (a third is 60 days)", undefined, 180 * DAY, DEFAULT],
    ["90-day certificate, unset: a third, 30 days", undefined, 90 * DAY, 30 * DAY],
    ["30-day certificate, unset: 10 days", undefined, 30 * DAY, 10 * DAY],
    ["2-hour certificate, unset: 40 minutes", undefined, 2 * H, 40 * 60_000],
    ["lifetime unknown (nothing issued yet): the default", undefined, undefined, DEFAULT],
    ["zero lifetime: the default", undefined, 0, DEFAULT],
    ["negative lifetime (notAfter before notBefore): the default", undefined, -DAY, DEFAULT],
    ["NaN lifetime: the default", undefined, Number.NaN, DEFAULT],
    ["explicit 1440h on a 30-day certificate: as written", 60 * DAY, 30 * DAY, 60 * DAY],
    ["explicit 1h on a 350-day certificate: as written", H, 350 * DAY, H],
    ["explicit 0: as written (never notified)", 0, 30 * DAY, 0],
  ])("%s", (_name, explicitMs, life, expected) => {
    expect(noticeWindowMs({ explicitMs, defaultMs: DEFAULT, lifetimeMs: life })).toBe(expected);
  });

  it("a healthy certificate is outside the unset window when issued, whatever its lifetime", () => {
    for (const life of [H, 2 * H, DAY, 30 * DAY, 90 * DAY, 350 * DAY, 3650 * DAY]) {
      expect(noticeWindowMs({ defaultMs: DEFAULT, lifetimeMs: life })).toBeLessThan(life);
    }
  });
});

describe("lifetimeMs", () => {
  it.each([
    ["both set", "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z", 30 * DAY],
    ["notBefore missing", undefined, "2026-01-31T00:00:00Z", undefined],
    ["notAfter missing", "2026-01-01T00:00:00Z", undefined, undefined],
    ["unreadable", "yesterday", "2026-01-31T00:00:00Z", undefined],
  ])("%s", (_name, nb, na, expected) => {
    expect(lifetimeMs(nb, na)).toBe(expected);
  });
});
