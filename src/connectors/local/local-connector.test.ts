import { describe, expect, it } from "vitest";
import { ConnectorError } from "../connector.ts";
import { connectorConformance, MemorySecretStore } from "../testing/conformance.ts";
import { LocalConnector } from "./local-connector.ts";

const now = new Date("2026-11-23T10:00:00Z");

connectorConformance("local", () => {
  const connector = new LocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => now);
  return Promise.resolve({ connector, now });
});

describe("local connector", () => {
  it("creates its CA once, on first use, and reuses it", async () => {
    const store = new MemorySecretStore();
    const a = await new LocalConnector({ caSecretName: "ca", generate: true }, store, () => now).prepare();
    const b = await new LocalConnector({ caSecretName: "ca", generate: true }, store, () => now).prepare();
    expect(a.caPem).toBe(b.caPem);
    expect(Object.keys(store.secrets.get("ca")!).sort()).toEqual(["crl-number", "revoked.json", "tls.crt", "tls.key"]);
  });

  it("without generate, a missing CA is a ConnectorError naming the Secret", async () => {
    const c = new LocalConnector({ caSecretName: "absent", generate: false }, new MemorySecretStore(), () => now);
    await expect(c.prepare()).rejects.toThrow(/absent/);
    await expect(c.prepare()).rejects.toBeInstanceOf(ConnectorError);
  });

  it("refuses a CA Secret whose certificate is not a CA", async () => {
    const store = new MemorySecretStore();
    store.secrets.set("bad", { "tls.crt": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "tls.key": "x" });
    await expect(new LocalConnector({ caSecretName: "bad", generate: false }, store, () => now).prepare()).rejects.toThrow(/tls.crt/);
  });
});
