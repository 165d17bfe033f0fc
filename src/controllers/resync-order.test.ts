import { describe, expect, it } from "vitest";
import { mostUrgentFirst } from "./resync-order.ts";

const cert = (name: string, renewalTime?: string) => ({ metadata: { name, namespace: "a" }, ...(renewalTime ? { status: { renewalTime } } : {}) });

describe("re-verification order at start-up", () => {
  it("puts never-issued Certificates first, then the earliest renewal, keeping ties in list order", () => {
    const list = [cert("late", "2027-06-01T00:00:00Z"), cert("new1"), cert("soon", "2026-12-02T00:00:00Z"), cert("tie", "2027-06-01T00:00:00Z"), cert("bad", "not a date"), cert("new2")];
    expect(mostUrgentFirst(list).map((c) => c.metadata.name)).toEqual(["new1", "bad", "new2", "soon", "late", "tie"]);
    expect(list[0]!.metadata.name).toBe("late"); // the informer's list is not reordered in place
  });
});
