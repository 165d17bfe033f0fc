import { describe, expect, it } from "vitest";
import { issuanceRate } from "./issuance-rate.ts";

const now = new Date("2026-12-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();

describe("issuanceRate", () => {
  it("allows fewer than the limit inside the window", () => {
    expect(issuanceRate([minutesAgo(1), minutesAgo(2)], now, 3)).toEqual({ limited: false, count: 2 });
  });

  it("does not count issuances older than an hour, nor entries without a time", () => {
    expect(issuanceRate([minutesAgo(61), minutesAgo(90), undefined, "garbage"], now, 1).limited).toBe(false);
  });

  it("limits at the limit and says when a slot frees", () => {
    const v = issuanceRate([minutesAgo(10), minutesAgo(50), minutesAgo(30)], now, 3);
    expect(v.limited).toBe(true);
    expect(v.count).toBe(3);
    // The oldest (50 minutes ago) leaves the window in 10 minutes.
    expect(v.retryAt?.toISOString()).toBe(new Date(now.getTime() + 10 * 60_000).toISOString());
  });

  it("over the limit, waits until enough issuances left the window", () => {
    const v = issuanceRate([minutesAgo(5), minutesAgo(15), minutesAgo(25), minutesAgo(35)], now, 2);
    // To be under the limit again one issuance may stay: the 35-, 25- and 15-minute-old ones must
    // leave, the last of them 45 minutes from now.
    expect(v.retryAt?.toISOString()).toBe(new Date(now.getTime() + 45 * 60_000).toISOString());
  });
});
