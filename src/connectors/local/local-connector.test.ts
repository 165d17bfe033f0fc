import { describe, expect, it } from "vitest";
import { createCertificateAuthority } from "../../pki/ca.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { CAReason, CaValidityError } from "../ca-validity.ts";
import { ConnectorError, StoreConflict } from "../connector.ts";
import { parseCrl } from "../../pki/crl.ts";
import { normalizeSerial } from "../../pki/serial.ts";
import { connectorConformance, MemorySecretStore } from "../testing/conformance.ts";
import { stateSecretName } from "./crl-state.ts";
import { LocalConnector } from "./local-connector.ts";

const now = new Date("2026-11-23T10:00:00Z");
const DAY = 86_400_000;

connectorConformance("local", () => {
  const connector = new LocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => now);
  return Promise.resolve({ connector, now });
});

async function suppliedCa(store: MemorySecretStore, opts: { start: Date; days: number; otherKey?: boolean }): Promise<void> {
  const ca = await createCertificateAuthority({ commonName: "supplied", now: opts.start, validityDays: opts.days });
  const key = opts.otherKey ? (await createCertificateAuthority({ commonName: "other", now })).privateKeyPem : ca.privateKeyPem;
  store.secrets.set("user-ca", { "tls.crt": ca.certificatePem, "tls.key": key });
}

async function request(notAfter: Date) {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  return {
    csrPem: "",
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "server" as const,
    subject: { commonName: "a.example.com" },
    sans: { dnsNames: ["a.example.com"] },
    notBefore: now,
    notAfter,
  };
}

/** A store that records every write, to prove the CA Secret is never written. */
class RecordingStore extends MemorySecretStore {
  readonly writes: string[] = [];
  override createIfAbsent(name: string, data: Record<string, string>) {
    if (!this.secrets.has(name)) this.writes.push(name);
    return super.createIfAbsent(name, data);
  }
  override update(name: string, data: Record<string, string>, version: string) {
    this.writes.push(name);
    return super.update(name, data, version);
  }
}

/** Hands out a version, then lets every other writer run before the caller may use it. */
class ConflictCountingStore extends MemorySecretStore {
  conflicts = 0;
  override async readVersioned(name: string) {
    const got = await super.readVersioned(name);
    await new Promise((r) => setImmediate(r));
    return got;
  }
  override async update(name: string, data: Record<string, string>, version: string) {
    try {
      await super.update(name, data, version);
    } catch (e) {
      if (e instanceof StoreConflict) this.conflicts++;
      throw e;
    }
  }
}

/** Counts every create attempt, won or lost. */
class CreateCountingStore extends MemorySecretStore {
  readonly creates: string[] = [];
  override createIfAbsent(name: string, data: Record<string, string>) {
    this.creates.push(name);
    return super.createIfAbsent(name, data);
  }
}

describe("local connector", () => {
  it("creates its CA once, on first use, and reuses it; the CA Secret holds only the key pair", async () => {
    const store = new MemorySecretStore();
    const a = await new LocalConnector({ caSecretName: "ca", generate: true }, store, () => now).prepare();
    const b = await new LocalConnector({ caSecretName: "ca", generate: true }, store, () => now).prepare();
    expect(a.caPem).toBe(b.caPem);
    expect(Object.keys(store.secrets.get("ca")!).sort()).toEqual(["tls.crt", "tls.key"]);
  });

  it("generates one CA on a fresh profile however many issuances start at once", async () => {
    const store = new CreateCountingStore();
    const conn = new LocalConnector({ caSecretName: "ca", generate: true }, store, () => now);
    const issued = await Promise.all(Array.from({ length: 16 }, async () => conn.issue(await request(new Date(now.getTime() + DAY)))));
    expect(store.creates.filter((n) => n === "ca")).toEqual(["ca"]);
    expect(new Set(issued.map((c) => c.caPem)).size).toBe(1);
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

  it.each([
    { name: "expired", start: new Date(now.getTime() - 400 * DAY), days: 365, reason: CAReason.Expired, text: "expired at" },
    { name: "not yet valid", start: new Date(now.getTime() + 2 * DAY), days: 365, reason: CAReason.NotYetValid, text: "not valid before" },
  ])("a supplied $name CA: prepare, issue and crl all refuse with $reason, non-retryable", async (c) => {
    const store = new RecordingStore();
    await suppliedCa(store, { start: c.start, days: c.days });
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: true }, store, () => now);
    for (const call of [() => conn.prepare(), async () => conn.issue(await request(new Date(now.getTime() + DAY))), () => conn.crl()]) {
      const err = await call().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CaValidityError);
      expect((err as ConnectorError).reason).toBe(c.reason);
      expect((err as ConnectorError).retryable).toBe(false);
      expect((err as Error).message).toContain(c.text);
      expect((err as Error).message).not.toContain("PRIVATE KEY");
    }
    expect(store.writes).toEqual([]);
  });

  it("a not yet valid CA becomes usable at its notBefore without being read again", async () => {
    const store = new MemorySecretStore();
    const start = new Date(now.getTime() + DAY);
    await suppliedCa(store, { start, days: 30 });
    let t = now;
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => t);
    await expect(conn.prepare()).rejects.toMatchObject({ reason: CAReason.NotYetValid });
    t = start;
    await expect(conn.prepare()).resolves.toHaveProperty("caPem");
  });

  it("a key that is not the certificate's: CAKeyMismatch on prepare and issue, nothing written", async () => {
    const store = new RecordingStore();
    await suppliedCa(store, { start: now, days: 365, otherKey: true });
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: true }, store, () => now);
    await expect(conn.prepare()).rejects.toMatchObject({ reason: CAReason.KeyMismatch, retryable: false });
    await expect(conn.issue(await request(new Date(now.getTime() + DAY)))).rejects.toMatchObject({ reason: CAReason.KeyMismatch });
    await expect(conn.crl()).rejects.toMatchObject({ reason: CAReason.KeyMismatch });
    expect(store.writes).toEqual([]);
  });

  it("refuses a leaf that would outlive the CA (DurationExceedsCA), and signs one that ends with it", async () => {
    const store = new MemorySecretStore();
    await suppliedCa(store, { start: now, days: 30 });
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => now);
    const err = await conn.issue(await request(new Date(now.getTime() + 31 * DAY))).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: CAReason.DurationExceedsCA, retryable: false });
    expect((err as Error).message).toContain("at most 720h");
    await expect(conn.issue(await request(new Date(now.getTime() + 30 * DAY)))).resolves.toHaveProperty("certificatePem");
  });

  it("fresh prepare picks up a replaced CA Secret; a cached prepare does not read it", async () => {
    const store = new MemorySecretStore();
    await suppliedCa(store, { start: new Date(now.getTime() - 400 * DAY), days: 365 });
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => now);
    await expect(conn.prepare()).rejects.toMatchObject({ reason: CAReason.Expired });
    await suppliedCa(store, { start: now, days: 365 });
    await expect(conn.prepare()).rejects.toMatchObject({ reason: CAReason.Expired });
    const { caPem } = await conn.prepare({ fresh: true });
    expect(caPem).toBe(store.secrets.get("user-ca")!["tls.crt"]);
    await expect(conn.prepare()).resolves.toEqual({ caPem });
  });

  it("keeps revocations and CRL numbers in its own state Secret, never in a supplied CA Secret", async () => {
    const store = new RecordingStore();
    await suppliedCa(store, { start: now, days: 365 });
    const before = { ...store.secrets.get("user-ca")! };
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => now);
    await conn.revoke({ serialNumber: "0a", reason: "keyCompromise", revokedAt: now });
    const one = await conn.crl();
    const two = await conn.crl();
    expect([one.crlNumber, two.crlNumber, two.revokedCount]).toEqual([1, 2, 1]);
    expect(store.secrets.get("user-ca")).toEqual(before);
    expect(new Set(store.writes)).toEqual(new Set(["user-ca-crl-state"]));
    expect(store.secrets.get("user-ca-crl-state")!["crl-number"]).toBe("2");
  });

  it("migrates state an older version left in the CA Secret, without writing it back there", async () => {
    const store = new RecordingStore();
    await suppliedCa(store, { start: now, days: 365 });
    const legacy = { ...store.secrets.get("user-ca")!, "crl-number": "7", "revoked.json": JSON.stringify([{ serialNumber: "0b", revokedAt: now.toISOString(), reason: "superseded" }]) };
    store.secrets.set("user-ca", legacy);
    const conn = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => now);
    expect(await conn.revokedCount()).toBe(1);
    const crl = await conn.crl();
    expect(crl.crlNumber).toBe(8);
    expect(crl.revokedCount).toBe(1);
    expect(store.secrets.get("user-ca")).toEqual(legacy);
    expect(store.writes).toEqual(["user-ca-crl-state"]);
    expect((await conn.crl()).crlNumber).toBe(9);
  });

  it("loses no revocation and reuses no CRL number when two profiles on one CA write the state at once", async () => {
    // Two connectors (two profiles naming one CA Secret, or an old and a new leader) do not share
    // a lock: only the store's versions keep their read-modify-writes apart.
    const store = new ConflictCountingStore();
    await suppliedCa(store, { start: now, days: 365 });
    const a = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => now);
    const b = new LocalConnector({ caSecretName: "user-ca", generate: false }, store, () => now);
    const serials = Array.from({ length: 12 }, (_, i) => (i + 16).toString(16));
    const work = serials.flatMap((serialNumber, i) => {
      const conn = i % 2 === 0 ? a : b;
      return [conn.revoke({ serialNumber, reason: "superseded", revokedAt: now }), (i % 2 === 0 ? b : a).crl()];
    });
    const crls = (await Promise.all(work)).filter((r) => r !== undefined);
    const numbers = crls.map((c) => c.crlNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    const last = await a.crl();
    expect(last.crlNumber).toBe(Math.max(...numbers) + 1);
    expect(last.revokedCount).toBe(serials.length);
    expect(new Set(parseCrl(last.pem).revoked.map((r) => r.serialNumber))).toEqual(new Set(serials.map(normalizeSerial)));
    expect(store.conflicts).toBeGreaterThan(0); // the race was run, not avoided by luck of ordering
  });

  it("names the state Secret within the 253-character limit", () => {
    expect(stateSecretName("my-ca")).toBe("my-ca-crl-state");
    const long = stateSecretName("a".repeat(250));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^a+-[0-9a-f]{10}-crl-state$/);
  });
});
