import { describe, expect, it } from "vitest";
import { ConnectorError } from "./connector.ts";
import { CAReason, isCaRefusal, caNoticeState, caNoticeWindowMs, caValidityError, leafExceedsCa, leafWithinCaError } from "./ca-validity.ts";

const DAY = 86_400_000;
const v = { notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date("2027-01-01T00:00:00Z") };

describe("CA validity", () => {
  it("is valid from notBefore through notAfter inclusive", () => {
    expect(caValidityError("CA Secret x", v, v.notBefore)).toBeUndefined();
    expect(caValidityError("CA Secret x", v, v.notAfter)).toBeUndefined();
    expect(caValidityError("CA Secret x", v, new Date(v.notBefore.getTime() - 1000))?.reason).toBe(CAReason.NotYetValid);
    const expired = caValidityError("CA Secret x", v, new Date(v.notAfter.getTime() + 1000));
    expect(expired?.reason).toBe(CAReason.Expired);
    expect(expired?.retryable).toBe(false);
    expect(expired?.message).toBe("CA Secret x: the CA certificate expired at 2027-01-01T00:00:00Z; replace tls.crt and tls.key with a valid CA");
  });

  it("a leaf may end exactly with the CA, not a second later", () => {
    expect(leafExceedsCa(v.notAfter, v)).toBe(false);
    expect(leafExceedsCa(new Date(v.notAfter.getTime() + 1000), v)).toBe(true);
    const notBefore = new Date(v.notAfter.getTime() - 10 * DAY);
    expect(leafWithinCaError({ notBefore, notAfter: v.notAfter }, v)).toBeUndefined();
    const err = leafWithinCaError({ notBefore, notAfter: new Date(v.notAfter.getTime() + DAY) }, v);
    expect(err).toMatchObject({ reason: CAReason.DurationExceedsCA, retryable: false });
    expect(err?.message).toContain("at most 240h");
  });

  it("warns for the longer of the expiry notice and the default duration", () => {
    expect(caNoticeWindowMs(undefined)).toBe(8400 * 3_600_000);
    expect(caNoticeWindowMs({ duration: "720h" })).toBe(60 * DAY);
    expect(caNoticeWindowMs({ duration: "720h", expiryNotice: "24h" })).toBe(30 * DAY);
    const { inWindow, noticeStart } = caNoticeState(v, 60 * DAY, new Date(v.notAfter.getTime() - 61 * DAY));
    expect(inWindow).toBe(false);
    expect(noticeStart.toISOString()).toBe("2026-11-02T00:00:00.000Z");
    expect(caNoticeState(v, 60 * DAY, noticeStart).inWindow).toBe(true);
  });

  it("tells CA refusals from other connector errors", () => {
    expect(isCaRefusal(caValidityError("x", v, new Date("2030-01-01T00:00:00Z")))).toBe(true);
    expect(isCaRefusal(new ConnectorError(CAReason.KeyMismatch, "m", false))).toBe(true);
    expect(isCaRefusal(new ConnectorError("CANotFound", "m", false))).toBe(false);
    expect(isCaRefusal(new ConnectorError(CAReason.Expired, "m", true))).toBe(false);
    expect(isCaRefusal(new Error("x"))).toBe(false);
  });
});
