import { describe, expect, it } from "vitest";
import { CA_EXPIRY_NOTICE_CONDITION, caStatus } from "./ca-status.ts";

const DAY = 86_400_000;
const v = { notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date("2027-01-01T00:00:00Z") };
const notice = 60 * DAY;
const at = (ms: number) => new Date(v.notAfter.getTime() + ms);

describe("CA status of a profile", () => {
  it("outside the window: dates, NotDue, and a look at the notice start", () => {
    const s = caStatus(undefined, v, notice, at(-100 * DAY), 1);
    expect(s.fields).toEqual({ caNotBefore: "2026-01-01T00:00:00Z", caNotAfter: "2027-01-01T00:00:00Z", caExpiryNoticeTime: "2026-11-02T00:00:00Z" });
    expect(s.conditions.find((c) => c.type === CA_EXPIRY_NOTICE_CONDITION)).toMatchObject({ status: "False", reason: "NotDue" });
    expect(s.entered).toBe(false);
    expect(s.nextLookMs).toBe(40 * DAY);
  });

  it("entering the window is reported once; then the next look is just after notAfter", () => {
    const first = caStatus(undefined, v, notice, at(-59 * DAY), 1);
    expect(first.entered).toBe(true);
    expect(first.conditions[0]).toMatchObject({ status: "True", reason: "CAExpiringSoon" });
    expect(first.message).toContain("in 59 days");
    expect(first.nextLookMs).toBe(59 * DAY + 1000);
    const again = caStatus(first.conditions, v, notice, at(-58 * DAY), 1);
    expect(again.entered).toBe(false);
  });

  it("expired: in the window with reason CAExpired, no entry Event, nothing ahead", () => {
    const s = caStatus(undefined, v, notice, at(2000), 1);
    expect(s.entered).toBe(false);
    expect(s.conditions[0]).toMatchObject({ status: "True", reason: "CAExpired" });
    expect(s.nextLookMs).toBeUndefined();
  });

  it("not yet valid: not in the window even when the CA is short-lived; the entry Event comes at notBefore", () => {
    const long = 400 * DAY;
    const s = caStatus(undefined, v, long, new Date(v.notBefore.getTime() - 5000), 1);
    expect(s.nextLookMs).toBe(5000);
    expect(s.entered).toBe(false);
    expect(s.conditions[0]).toMatchObject({ status: "False", reason: "CANotYetValid" });
    const then = caStatus(s.conditions, v, long, v.notBefore, 1);
    expect(then.entered).toBe(true);
    expect(then.inWindow).toBe(true);
  });
});
