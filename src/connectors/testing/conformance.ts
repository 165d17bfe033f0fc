// The behaviour every CA connector must show, run by each connector's own test file against the
// real authority it talks to (for the local CA: itself, over an in-memory SecretStore).
import { describe, expect, it } from "vitest";
import { buildCsr } from "../../pki/csr.ts";
import { parseCrl } from "../../pki/crl.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { ConnectorError, StoreConflict, type Connector, type SecretStore } from "../connector.ts";

/** Secrets in memory, with the API server's optimistic concurrency (a version per write). */
export class MemorySecretStore implements SecretStore {
  readonly secrets = new Map<string, Record<string, string>>();
  readonly configMaps = new Map<string, Record<string, string>>();
  private readonly versions = new Map<string, number>();
  private versionCounter = 0;

  read(name: string): Promise<Record<string, string> | undefined> {
    const s = this.secrets.get(name);
    return Promise.resolve(s ? { ...s } : undefined);
  }

  readConfigMap(name: string): Promise<Record<string, string> | undefined> {
    const c = this.configMaps.get(name);
    return Promise.resolve(c ? { ...c } : undefined);
  }

  readVersioned(name: string): Promise<{ data: Record<string, string>; version: string } | undefined> {
    const s = this.secrets.get(name);
    return Promise.resolve(s ? { data: { ...s }, version: String(this.versions.get(name) ?? 0) } : undefined);
  }

  createIfAbsent(name: string, data: Record<string, string>): Promise<Record<string, string>> {
    if (!this.secrets.has(name)) this.set(name, data);
    return Promise.resolve({ ...this.secrets.get(name)! });
  }

  update(name: string, data: Record<string, string>, version: string): Promise<void> {
    if (!this.secrets.has(name) || String(this.versions.get(name) ?? 0) !== version) return Promise.reject(new StoreConflict(name));
    this.set(name, data);
    return Promise.resolve();
  }

  /** Written from outside (a test setting up a Secret): gets a new version like any write. */
  set(name: string, data: Record<string, string>): void {
    this.secrets.set(name, { ...data });
    this.versions.set(name, ++this.versionCounter);
  }
}

async function request(now: Date) {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const subject = { commonName: "conformance.example.com" };
  const sans = { dnsNames: ["conformance.example.com"] };
  return {
    csrPem: await buildCsr({ privateKeyPem: key, subject, sans }),
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "server" as const,
    subject,
    sans,
    notBefore: new Date(Math.floor(now.getTime() / 1000) * 1000),
    notAfter: new Date(Math.floor(now.getTime() / 1000) * 1000 + 86_400_000),
  };
}

export function connectorConformance(name: string, make: () => Promise<{ connector: Connector; now: Date }>): void {
  describe(`${name} connector conformance`, () => {
    it("prepares, then issues a certificate for the requested key and names, chained to its CA", async () => {
      const { connector, now } = await make();
      const { caPem } = await connector.prepare();
      const req = await request(now);
      if (connector.handOff) {
        // A person issues (the manual connector); the connector itself must refuse, not pretend.
        await expect(connector.issue(req)).rejects.toBeInstanceOf(ConnectorError);
        return;
      }
      const issued = await connector.issue(req);
      const info = inspectCertificate(issued.certificatePem);
      expect(info.sans.dnsNames).toEqual(["conformance.example.com"]);
      // A connector that claims exact validity must deliver it; ACME servers choose their own.
      if (connector.exactIssuance) expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(86_400_000);
      else expect(info.notAfter.getTime()).toBeGreaterThan(info.notBefore.getTime());
      expect(await verifyIssuedBy(issued.certificatePem, issued.chainPems.at(-1) ?? caPem)).toBe(true);
    });

    it("revokes idempotently when it can, and its CRL lists the serial; otherwise says it cannot", async () => {
      const { connector, now } = await make();
      await connector.prepare();
      if (connector.handOff && !connector.capabilities.has("revoke")) {
        await expect(connector.revoke({ serialNumber: "01", reason: "keyCompromise", revokedAt: now })).rejects.toBeInstanceOf(ConnectorError);
        return;
      }
      const issued = await connector.issue(await request(now));
      const serialNumber = inspectCertificate(issued.certificatePem).serialNumber;
      const revoke = () => connector.revoke({ serialNumber, reason: "keyCompromise", revokedAt: now });
      if (!connector.capabilities.has("revoke")) {
        await expect(revoke()).rejects.toBeInstanceOf(ConnectorError);
        return;
      }
      await revoke();
      await revoke();
      if (connector.capabilities.has("crl")) {
        expect(await connector.revokedCount()).toBe(1);
        const first = await connector.crl();
        const crl = parseCrl(first.pem);
        expect(crl.revoked).toEqual([expect.objectContaining({ serialNumber, reason: "keyCompromise" })]);
        expect((await connector.crl()).crlNumber).toBeGreaterThan(first.crlNumber);
      }
    });

    it("a cancelled issuance fails with the retryable ConnectorError Cancelled, and issues nothing", async () => {
      const { connector, now } = await make();
      if (connector.handOff) return; // issue() is never called for hand-off connectors
      await connector.prepare();
      const req = { ...(await request(now)), signal: AbortSignal.abort() };
      await expect(connector.issue(req)).rejects.toMatchObject({ name: "ConnectorError", reason: "Cancelled", retryable: true });
    });

    it("a capability it does not declare fails with a ConnectorError, never silently", async () => {
      const { connector } = await make();
      if (!connector.capabilities.has("crl")) await expect(connector.crl()).rejects.toBeInstanceOf(ConnectorError);
      // revokedCount only tells a CRL publisher its CRL is stale: it belongs to "crl".
      if (!connector.capabilities.has("crl")) await expect(connector.revokedCount()).rejects.toBeInstanceOf(ConnectorError);
      if (!connector.capabilities.has("revoke")) {
        const revoke = connector.revoke({ serialNumber: "01", reason: "unspecified", revokedAt: new Date(0) });
        await expect(revoke).rejects.toBeInstanceOf(ConnectorError);
      }
      expect(connector.capabilities.has("issue")).toBe(true);
    });
  });
}
