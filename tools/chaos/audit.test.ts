import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deposedWrites, readAudit, takeovers, writesBetween, type AuditWrite } from "./audit.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const w = (user: string, resource: string, s: number, code = 200, subresource?: string): AuditWrite => ({
  user, verb: "update", resource, subresource, namespace: resource === "leases" ? "lease-ns" : "ns", name: "x", code, at: T0 + s * 1000,
});

describe("audit log figures", () => {
  it("reads ResponseComplete events, skips other stages and torn lines, sorts by time", async () => {
    const dir = await mkdtemp(join(tmpdir(), "audit-"));
    const line = (stage: string, ts: string, user: string) =>
      JSON.stringify({ stage, verb: "patch", user: { username: user }, objectRef: { resource: "certificates", subresource: "status", namespace: "ns", name: "c1" }, responseStatus: { code: 200 }, stageTimestamp: ts });
    await writeFile(join(dir, "audit.log"), [line("ResponseComplete", "2026-12-01T10:00:02.000002Z", "b"), line("ResponseStarted", "2026-12-01T10:00:01Z", "x"), line("ResponseComplete", "2026-12-01T10:00:01.5Z", "a"), '{"stage":"Respo'].join("\n"));
    const writes = await readAudit(join(dir, "audit.log"));
    await rm(dir, { recursive: true });
    expect(writes.map((x) => x.user)).toEqual(["a", "b"]);
    expect(writes[0]).toMatchObject({ resource: "certificates", subresource: "status", code: 200, at: T0 + 1500 });
  });

  it("a change of Lease writer is a takeover; the old writer's later writes are deposed writes until it leads again", () => {
    const log = [
      w("op-1", "leases", 0), w("op-1", "secrets", 1), w("op-2", "leases", 10, 409), // refused acquire: not a takeover
      w("op-2", "leases", 20), w("op-1", "certificates", 21, 200, "status"), w("op-1", "events", 22), w("op-1", "secrets", 23, 409),
      w("op-1", "leases", 40), w("op-1", "secrets", 41),
    ].sort((a, b) => a.at - b.at);
    expect(takeovers(log, "lease-ns").map((t) => [t.from, t.to, (t.at - T0) / 1000])).toEqual([["op-1", "op-2", 20], ["op-2", "op-1", 40]]);
    const [first, second] = deposedWrites(log, "lease-ns");
    expect(first!.total).toBe(2);
    expect([...first!.byResource]).toEqual([["certificates/status", 1], ["events", 1]]);
    expect(first!.refused).toBe(1);
    expect(first!.lastAfterMs).toBe(2000);
    expect(second!.total).toBe(0);
  });

  it("counts successful writes per resource in a window, by user prefix", () => {
    const log = [w("ca-op-1", "events", 5), w("ca-op-2", "events", 6), w("admin", "events", 6), w("ca-op-1", "events", 12), w("ca-op-1", "events", 7, 500)];
    expect(writesBetween(log, "ca-op-", T0 + 5000, T0 + 10_000).get("events")).toBe(2);
  });
});
