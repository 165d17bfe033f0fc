import { describe, expect, it } from "vitest";
import { MAX_HISTORY, type CertificateStatus, type HistoryEntry } from "../../api/certificate.ts";
import { markExpired, markRevoked, revokedReasonOf } from "./revocation.ts";

const DAY = 86_400_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);

const entry = (serialNumber: string, state: HistoryEntry["state"], notAfterDays = 90, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  serialNumber, notBefore: iso(t0), notAfter: iso(at(notAfterDays)), state, ...extra,
});
const current: CertificateStatus = {
  serialNumber: "0c", notBefore: iso(t0), notAfter: iso(at(90)), fingerprintSHA256: "ff",
  history: [entry("0c", "issued"), entry("0b", "superseded"), entry("0a", "revoked", 90, { revocationReason: "keyCompromise", revokedAt: iso(at(1)) })],
};

describe("revokedReasonOf", () => {
  const cases: [string, CertificateStatus, string | undefined, string | undefined][] = [
    ["no serial", current, undefined, undefined],
    ["empty serial", current, "", undefined],
    ["serial not in the history", current, "ee", undefined],
    ["issued entry", current, "0c", undefined],
    ["superseded entry", current, "0b", undefined],
    ["revoked entry gives its reason", current, "0a", "keyCompromise"],
    ["revoked entry without a reason is unspecified", { history: [entry("0d", "revoked")] }, "0d", "unspecified"],
    ["no history at all", {}, "0a", undefined],
  ];
  it.each(cases)("%s", (_name, status, serial, want) => {
    expect(revokedReasonOf(status, serial)).toBe(want);
  });
});

describe("markRevoked", () => {
  const when = at(5);

  it("marks the listed entry revoked with reason and time, leaving the others", () => {
    const out = markRevoked(current, "0b", "superseded", when);
    expect(out.history).toEqual([
      current.history![0],
      { ...entry("0b", "revoked"), revocationReason: "superseded", revokedAt: iso(when) },
      current.history![2],
    ]);
    expect(revokedReasonOf(out, "0b")).toBe("superseded");
  });

  it("does not change the input status", () => {
    const before = structuredClone(current);
    markRevoked(current, "0c", "keyCompromise", when);
    expect(current).toEqual(before);
  });

  it("writes revokedAt with second precision", () => {
    const out = markRevoked(current, "0c", "keyCompromise", new Date("2026-01-06T07:08:09.987Z"));
    expect(out.history![0]!.revokedAt).toBe("2026-01-06T07:08:09Z");
  });

  it("adds an entry for the current certificate when the history lacks it", () => {
    const rebuilt: CertificateStatus = { ...current, history: [entry("0b", "superseded")] };
    const out = markRevoked(rebuilt, "0c", "cessationOfOperation", when);
    expect(out.history).toEqual([
      { serialNumber: "0c", notBefore: iso(t0), notAfter: iso(at(90)), fingerprintSHA256: "ff", state: "revoked", revocationReason: "cessationOfOperation", revokedAt: iso(when) },
      entry("0b", "superseded"),
    ]);
  });

  it("adds the current certificate's entry when there is no history at all", () => {
    const { history: _dropped, ...bare } = current;
    const out = markRevoked(bare, "0c", "keyCompromise", when);
    expect(out.history?.map((h) => [h.serialNumber, h.state])).toEqual([["0c", "revoked"]]);
    expect(revokedReasonOf(out, "0c")).toBe("keyCompromise");
  });

  const untouched: [string, CertificateStatus, string][] = [
    ["an unknown serial that is not the current one", current, "ee"],
    ["the current serial without its validity", { serialNumber: "0c", history: [entry("0b", "superseded")] }, "0c"],
  ];
  it.each(untouched)("leaves the history as it is for %s", (_name, status, serial) => {
    expect(markRevoked(status, serial, "keyCompromise", when).history).toEqual(status.history ?? []);
  });

  it("keeps the history within MAX_HISTORY when it adds the current entry", () => {
    const full: CertificateStatus = { ...current, history: Array.from({ length: MAX_HISTORY }, (_, i) => entry(`1${i.toString(16)}`, "superseded")) };
    const out = markRevoked(full, "0c", "keyCompromise", when);
    expect(out.history).toHaveLength(MAX_HISTORY);
    expect(out.history![0]!.serialNumber).toBe("0c");
    expect(out.history!.at(-1)!.serialNumber).toBe(`1${(MAX_HISTORY - 2).toString(16)}`);
  });
});

describe("markExpired", () => {
  const status: CertificateStatus = {
    history: [
      entry("04", "issued", 90),
      entry("03", "superseded", 30),
      entry("02", "revoked", 10, { revocationReason: "keyCompromise" }),
      entry("01", "expired", 5),
    ],
  };
  const statesAt = (days: number) => markExpired(status, at(days)).history!.map((h) => h.state);
  const cases: [string, number, HistoryEntry["state"][]][] = [
    ["nothing has passed notAfter", 4, ["issued", "superseded", "revoked", "expired"]],
    ["a revoked entry stays revoked after expiry", 20, ["issued", "superseded", "revoked", "expired"]],
    ["a superseded entry expires exactly at notAfter", 30, ["issued", "expired", "revoked", "expired"]],
    ["the issued one expires too", 91, ["expired", "expired", "revoked", "expired"]],
  ];
  it.each(cases)("%s", (_name, days, want) => {
    expect(statesAt(days)).toEqual(want);
  });

  it("returns the same object when nothing changes", () => {
    expect(markExpired(status, at(20))).toBe(status);
    const empty: CertificateStatus = {};
    expect(markExpired(empty, at(20))).toBe(empty);
  });

  it("keeps everything but the state of an expired entry", () => {
    const out = markExpired(status, at(31));
    expect(out.history![1]).toEqual({ ...status.history![1], state: "expired" });
    expect(status.history![1]!.state).toBe("superseded");
  });
});
