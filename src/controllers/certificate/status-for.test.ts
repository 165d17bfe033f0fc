import { describe, expect, it } from "vitest";
import type { CertificateStatus } from "../../api/certificate.ts";
import { computeKStatus } from "../../../test/harness/kstatus.ts";
import { enteredNoticeWindow, holdsValid, statusFor, type Look, type Outcome } from "./status-for.ts";

const DAY = 86_400_000;
const notBefore = new Date("2026-01-01T00:00:00Z");
const notAfter = new Date(notBefore.getTime() + 350 * DAY);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const look: Look = { generation: 3, now: new Date(notBefore.getTime() + 10 * DAY), explicitNoticeMs: 30 * DAY };
const late: Look = { ...look, now: new Date(notAfter.getTime() - 10 * DAY) };
const info = { serialNumber: "0b", notBefore, notAfter, fingerprintSHA256: "ff" };
const renewalTime = new Date(notAfter.getTime() - 60 * DAY);

const cond = (type: string, status: "True" | "False" | "Unknown", reason = "R") => ({ type, status, reason, message: "m", observedGeneration: 1, lastTransitionTime: iso(notBefore) });
/** A Certificate that holds serial 0a, written at generation 1. */
const held: CertificateStatus = {
  observedGeneration: 1,
  serialNumber: "0a",
  notBefore: iso(notBefore),
  notAfter: iso(notAfter),
  revision: 1,
  history: [{ serialNumber: "0a", notBefore: iso(notBefore), notAfter: iso(notAfter), state: "issued" }],
  conditions: [cond("Ready", "True", "Issued"), cond("Reconciling", "False"), cond("Stalled", "False"), cond("ExpiryNotice", "False", "NotDue")],
};

const condOf = (s: CertificateStatus, type: string) => s.conditions?.find((c) => c.type === type);
/** Ready/Reconciling/Stalled/Issuing/ExpiryNotice as one line, e.g. "Ready=True Reconciling=False ...". */
const line = (s: CertificateStatus) =>
  ["Ready", "Reconciling", "Stalled", "Issuing", "ExpiryNotice"].map((t) => `${t}=${condOf(s, t)?.status ?? "-"}`).join(" ");

describe("statusFor: conditions of every outcome", () => {
  const table: [string, CertificateStatus, Outcome, Look, string, string][] = [
    ["issued (first)", {}, { kind: "issued", info, renewalTime, revision: 1 }, look, "Ready=True Reconciling=False Stalled=False Issuing=- ExpiryNotice=False", "Current"],
    ["issued after a hand-off", { ...held, conditions: [...held.conditions!, cond("Issuing", "True")] }, { kind: "issued", info, renewalTime, revision: 2 }, look, "Ready=True Reconciling=False Stalled=False Issuing=False ExpiryNotice=False", "Current"],
    ["up to date", held, { kind: "upToDate", info: { ...info, serialNumber: "0a" }, renewalTime }, look, "Ready=True Reconciling=False Stalled=False Issuing=- ExpiryNotice=False", "Current"],
    ["up to date in the notice window", held, { kind: "upToDate", info: { ...info, serialNumber: "0a" }, renewalTime }, late, "Ready=True Reconciling=False Stalled=False Issuing=- ExpiryNotice=True", "Current"],
    ["policy refusal", {}, { kind: "refused", reason: "DNSNameNotAllowed", message: "no", stalled: true }, look, "Ready=False Reconciling=False Stalled=True Issuing=- ExpiryNotice=-", "Failed"],
    ["waiting refusal (profile not found, rate limit)", {}, { kind: "refused", reason: "ProfileNotFound", message: "gone", stalled: false }, look, "Ready=False Reconciling=True Stalled=False Issuing=- ExpiryNotice=-", "InProgress"],
    ["failure with back-off", held, { kind: "failed", reason: "CAUnavailable", message: "down" }, look, "Ready=False Reconciling=True Stalled=False Issuing=- ExpiryNotice=False", "InProgress"],
    ["hand-off, nothing held", {}, { kind: "awaiting", reason: "AwaitingCertificate", message: "upload" }, look, "Ready=False Reconciling=True Stalled=False Issuing=True ExpiryNotice=-", "InProgress"],
    ["hand-off renewal: Ready stays True", held, { kind: "awaiting", reason: "AwaitingCertificate", message: "upload" }, look, "Ready=True Reconciling=True Stalled=False Issuing=True ExpiryNotice=False", "InProgress"],
    ["hand-off after expiry: Ready turns False", held, { kind: "awaiting", reason: "AwaitingCertificate", message: "upload" }, { ...look, now: new Date(notAfter.getTime() + 1000) }, "Ready=False Reconciling=True Stalled=False Issuing=True ExpiryNotice=True", "InProgress"],
    ["revoked now", held, { kind: "revoked", serial: "0a", reason: "keyCompromise", at: look.now }, look, "Ready=False Reconciling=False Stalled=True Issuing=- ExpiryNotice=False", "Failed"],
    ["shown revoked", held, { kind: "revoked", serial: "0a", reason: "keyCompromise" }, late, "Ready=False Reconciling=False Stalled=True Issuing=- ExpiryNotice=False", "Failed"],
    ["first sight", {}, { kind: "started", message: "asking" }, look, "Ready=Unknown Reconciling=True Stalled=False Issuing=- ExpiryNotice=-", "InProgress"],
    ["renewal started while a certificate is held", held, { kind: "started", message: "asking" }, look, "Ready=True Reconciling=True Stalled=False Issuing=- ExpiryNotice=False", "InProgress"],
  ];
  it.each(table)("%s", (...[, stored, outcome, l, conditions, kstatus]) => {
    const s = statusFor(stored, outcome, l);
    expect(line(s)).toBe(conditions);
    expect(computeKStatus({ metadata: { generation: l.generation }, status: s }).status).toBe(kstatus);
    // Every condition and the status itself observed this generation.
    expect(s.observedGeneration).toBe(l.generation);
    expect(s.conditions!.every((c) => c.observedGeneration === l.generation)).toBe(true);
  });
});

describe("statusFor: status fields", () => {
  it("an issuance records the certificate, supersedes the previous entry and clears failures", () => {
    const s = statusFor({ ...held, failedIssuanceAttempts: 3, nextRetryTime: iso(look.now) }, { kind: "issued", info, renewalTime, revision: 2, renewalRequestId: "r1" }, look);
    expect(s).toMatchObject({ serialNumber: "0b", revision: 2, renewalTime: iso(renewalTime), lastRenewalRequestId: "r1", failedIssuanceAttempts: undefined, nextRetryTime: undefined });
    expect(s.history!.map((h) => `${h.serialNumber}:${h.state}`)).toEqual(["0b:issued", "0a:superseded"]);
    expect(s.history![0]!.issuedAt).toBe(iso(look.now));
    expect(condOf(s, "Ready")!.message).toBe(`certificate serial 0b is valid until ${iso(notAfter)}`);
  });

  it("a superseded certificate revoked with the issuance is revoked in the history, the only record of it", () => {
    const s = statusFor(held, { kind: "issued", info, renewalTime, revision: 2, superseded: { serial: "0a", at: look.now } }, look);
    expect(s.history![1]).toMatchObject({ serialNumber: "0a", state: "revoked", revocationReason: "superseded", revokedAt: iso(look.now) });
    expect(s).not.toHaveProperty("revokedAt");
    expect(s).not.toHaveProperty("revocationReason");
  });

  it("revoking the current certificate marks its entry, and lists it when the history did not", () => {
    const s = statusFor(held, { kind: "revoked", serial: "0a", reason: "keyCompromise", at: look.now }, look);
    expect(s.history![0]).toMatchObject({ serialNumber: "0a", state: "revoked", revocationReason: "keyCompromise" });
    const rebuilt = statusFor({ ...held, history: undefined }, { kind: "revoked", serial: "0a", reason: "keyCompromise", at: look.now }, look);
    expect(rebuilt.history).toEqual([expect.objectContaining({ serialNumber: "0a", state: "revoked", notAfter: iso(notAfter) })]);
    expect(condOf(s, "Stalled")!.message).toContain("remove spec.revocation");
  });

  it("a failure counts attempts and schedules the retry; a refusal clears them", () => {
    const f1 = statusFor(held, { kind: "failed", reason: "CAUnavailable", message: "down" }, look);
    expect(f1).toMatchObject({ failedIssuanceAttempts: 1, lastFailureTime: iso(look.now), nextRetryTime: iso(new Date(look.now.getTime() + 10_000)) });
    expect(condOf(f1, "Ready")!.message).toBe(`down (attempt 1, next retry ${f1.nextRetryTime})`);
    const f2 = statusFor(f1, { kind: "failed", reason: "CAUnavailable", message: "down" }, look);
    expect(f2.failedIssuanceAttempts).toBe(2);
    const r = statusFor(f2, { kind: "refused", reason: "DNSNameNotAllowed", message: "no", stalled: true }, look);
    expect(r).toMatchObject({ failedIssuanceAttempts: undefined, lastFailureTime: undefined, nextRetryTime: undefined });
  });

  it("an authority's refusal to recheck remembers the request until anything else happens", () => {
    const inputs = { generation: 3, profileGeneration: 2, requestDigest: "a".repeat(64) };
    const r = statusFor(held, { kind: "refused", reason: "Rejected", message: "no", stalled: true, recheck: { inputs, afterMs: 3_600_000 } }, look);
    expect(r.refusedRequest).toEqual({ ...inputs, time: iso(look.now), retryTime: iso(new Date(look.now.getTime() + 3_600_000)) });
    expect(line(r)).toBe("Ready=False Reconciling=False Stalled=True Issuing=- ExpiryNotice=False");
    expect(statusFor(r, { kind: "started", message: "asking" }, look).refusedRequest).toEqual(r.refusedRequest);
    for (const next of [
      { kind: "issued", info, renewalTime, revision: 2 },
      { kind: "failed", reason: "CAUnavailable", message: "down" },
      { kind: "refused", reason: "DNSNameNotAllowed", message: "no", stalled: true },
    ] as Outcome[]) {
      expect(statusFor(r, next, look).refusedRequest).toBeUndefined();
    }
  });

  it("up to date keeps the revision (1 when unknown) and records the renewal request served", () => {
    const s = statusFor({}, { kind: "upToDate", info, renewalTime, renewalRequestId: "r2" }, look);
    expect(s).toMatchObject({ revision: 1, serialNumber: "0b", lastRenewalRequestId: "r2" });
    expect(statusFor({ ...held, revision: 4 }, { kind: "upToDate", info, renewalTime }, look).revision).toBe(4);
  });

  it("expired history entries are marked expired", () => {
    const old = { serialNumber: "09", notBefore: iso(new Date(0)), notAfter: iso(new Date(1000)), state: "superseded" as const };
    const s = statusFor({ ...held, history: [...held.history!, old] }, { kind: "upToDate", info: { ...info, serialNumber: "0a" }, renewalTime }, look);
    expect(s.history![1]!.state).toBe("expired");
  });

  it("lastTransitionTime moves only when a condition's status changes", () => {
    const s = statusFor(held, { kind: "upToDate", info: { ...info, serialNumber: "0a" }, renewalTime }, look);
    expect(condOf(s, "Ready")!.lastTransitionTime).toBe(iso(notBefore));
    const r = statusFor(held, { kind: "failed", reason: "X", message: "y" }, look);
    expect(condOf(r, "Ready")!.lastTransitionTime).toBe(iso(look.now));
  });

  it("the same outcome twice composes the same status (no write on the second look)", () => {
    const once = statusFor({}, { kind: "issued", info, renewalTime, revision: 1 }, look);
    const again = statusFor(once, { kind: "upToDate", info, renewalTime }, look);
    expect(again).toEqual(once);
  });
});

describe("helpers", () => {
  it("enteredNoticeWindow is true once, on the look that enters it", () => {
    const inside = statusFor(held, { kind: "upToDate", info: { ...info, serialNumber: "0a" }, renewalTime }, late);
    expect(enteredNoticeWindow(held, inside)).toBe(true);
    expect(enteredNoticeWindow(inside, inside)).toBe(false);
  });
  it("holdsValid needs Ready=True and a notAfter ahead", () => {
    expect(holdsValid(held, look.now)).toBe(true);
    expect(holdsValid(held, new Date(notAfter.getTime() + 1))).toBe(false);
    expect(holdsValid({ ...held, conditions: [cond("Ready", "False")] }, look.now)).toBe(false);
  });
});
