import { describe, expect, it } from "vitest";
import { connectorConformance } from "../testing/conformance.ts";
import { ManualConnector } from "./manual-connector.ts";

connectorConformance("manual", () => Promise.resolve({ connector: new ManualConnector({}), now: new Date("2026-11-23T10:00:00Z") }));

describe("manual connector", () => {
  it("is a hand-off: the operator publishes the CSR and judges what comes back", () => {
    const c = new ManualConnector({ instructions: "portal" });
    expect(c.handOff).toBe(true);
    expect(c.exactIssuance).toBe(false);
    expect([...c.capabilities].sort()).toEqual(["issue", "renew"]);
    expect(c.instructions).toBe("portal");
  });
});
