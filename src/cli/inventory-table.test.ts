import { describe, expect, it } from "vitest";
import { expiresIn, formatTable, inventoryRows, sortRows } from "./inventory-table.ts";

const now = new Date("2026-06-01T00:00:00Z");
const certs = [
  {
    metadata: { namespace: "b", name: "api" },
    spec: { type: "server", raProfileRef: { name: "local-ca" } },
    status: {
      history: [
        { serialNumber: "02", notAfter: "2027-01-01T00:00:00Z", state: "issued" },
        { serialNumber: "01", notAfter: "2026-07-01T00:00:00Z", state: "revoked", revocationReason: "superseded" },
      ],
    },
  },
  {
    metadata: { namespace: "a", name: "tpp" },
    spec: { type: "transport", raProfileRef: { name: "obb", kind: "ClusterRAProfile" } },
    status: { history: [{ serialNumber: "0a", notAfter: "2026-05-01T00:00:00Z", state: "issued" }] },
  },
];

describe("inventory", () => {
  it("lists every issued certificate, marks past notAfter as expired, sorts by expiry", () => {
    const rows = sortRows(inventoryRows(certs, now), "expiry");
    expect(rows.map((r) => [r.serialNumber, r.state])).toEqual([["0a", "expired"], ["01", "revoked"], ["02", "issued"]]);
    expect(rows[0]!.profile).toBe("ClusterRAProfile/obb");
  });

  it("prints a table with expires-in and the revocation reason", () => {
    const table = formatTable(sortRows(inventoryRows(certs, now), "name"), now);
    expect(table.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+TYPE\s+PROFILE\s+SERIAL\s+EXPIRES IN\s+STATE$/);
    expect(table).toContain("revoked (superseded)");
    expect(expiresIn("2026-06-03T05:00:00Z", now)).toBe("2d5h");
    expect(expiresIn("2026-05-31T00:00:00Z", now)).toBe("-1d0h");
  });
});
