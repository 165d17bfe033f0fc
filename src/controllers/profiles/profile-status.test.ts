import { describe, expect, it } from "vitest";
import { computeKStatus } from "../../../test/harness/kstatus.ts";
import { profileConditions, type ProfileVerdict } from "./profile-status.ts";

const now = new Date("2026-01-01T00:00:00Z");
const line = (c: { type: string; status: string }[]) => ["Ready", "Reconciling", "Stalled"].map((t) => `${t}=${c.find((x) => x.type === t)?.status ?? "-"}`).join(" ");

describe("profileConditions", () => {
  const table: [string, ProfileVerdict, string, string][] = [
    ["first sight: probing", { kind: "probing" }, "Ready=Unknown Reconciling=True Stalled=False", "InProgress"],
    ["authority answered", { kind: "ready", message: "local authority ready" }, "Ready=True Reconciling=False Stalled=False", "Current"],
    ["disabled", { kind: "disabled", message: "disabled" }, "Ready=False Reconciling=False Stalled=True", "Failed"],
    ["unreachable: retried", { kind: "failing", reason: "CAUnavailable", message: "connection refused", retry: true }, "Ready=False Reconciling=True Stalled=False", "InProgress"],
    ["refused or invalid: needs a change", { kind: "failing", reason: "InvalidProfile", message: "bad", retry: false }, "Ready=False Reconciling=False Stalled=True", "Failed"],
  ];
  it.each(table)("%s", (_name, verdict, want, kstatus) => {
    const c = profileConditions(undefined, verdict, 2, now);
    expect(line(c)).toBe(want);
    expect(c.every((x) => x.observedGeneration === 2)).toBe(true);
    expect(computeKStatus({ metadata: { generation: 2 }, status: { observedGeneration: 2, conditions: c } }).status).toBe(kstatus);
  });

  it("probing again keeps the Ready already known, and stamps every condition with the generation", () => {
    const ready = profileConditions([{ type: "CAExpiryNotice", status: "False", reason: "NotDue", message: "", observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }], { kind: "ready", message: "ok" }, 1, now);
    const probing = profileConditions(ready, { kind: "probing" }, 2, now);
    expect(probing.find((c) => c.type === "Ready")!.status).toBe("True");
    expect(probing.every((c) => c.observedGeneration === 2)).toBe(true);
  });
});
