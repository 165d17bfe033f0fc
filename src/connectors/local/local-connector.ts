// The embedded CA: a key pair kept in a Secret (generated on first use when asked), signing
// CSRs itself and keeping the list of revoked serials next to the key, from which it builds CRLs.
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { buildCrl, type RevocationReason } from "../../pki/crl.ts";
import { inspectCertificate } from "../../pki/inspect.ts";
import { usagesForType } from "../../pki/usages.ts";
import { describeKey } from "../../pki/keys.ts";
import {
  ConnectorError,
  type Capability,
  type Connector,
  type IssuedCertificate,
  type IssueRequest,
  type PublishedCrl,
  type RevokeRequest,
  type SecretStore,
} from "../connector.ts";
import { throwIfCancelled } from "../shared/abort.ts";

export interface LocalAuthorityConfig {
  caSecretName: string;
  generate: boolean;
  commonName?: string;
  organization?: string;
  crlDistributionPoints?: string[];
  /** How long a published CRL stays valid. */
  crlValidityMs?: number;
}

interface RevokedEntry {
  serialNumber: string;
  revokedAt: string;
  reason: RevocationReason;
}

interface CaMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

const DAY = 24 * 3600 * 1000;

export class LocalConnector implements Connector {
  readonly type = "local";
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["issue", "renew", "revoke", "crl"]);
  readonly exactIssuance = true;
  readonly handOff = false;
  private readonly config: LocalAuthorityConfig;
  private readonly store: SecretStore;
  private readonly now: () => Date;
  private ca: CaMaterial | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(config: LocalAuthorityConfig, store: SecretStore, now: () => Date) {
    this.config = config;
    this.store = store;
    this.now = now;
  }

  async prepare(): Promise<{ caPem: string }> {
    const ca = await this.loadCa();
    return { caPem: ca.certificatePem };
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const ca = await this.loadCa();
    const key = describeKey(req.publicKeyPem);
    const { keyUsages, extKeyUsages } = usagesForType(req.type, key.algorithm);
    throwIfCancelled(req.signal, "the issuance");
    const certificatePem = await signCertificate({
      issuer: ca,
      publicKeyPem: req.publicKeyPem,
      subject: req.subject,
      sans: req.sans,
      keyUsages,
      extKeyUsages,
      notBefore: req.notBefore,
      notAfter: req.notAfter,
      crlDistributionPoints: this.config.crlDistributionPoints,
    });
    return { certificatePem, chainPems: [], caPem: ca.certificatePem };
  }

  async revoke(req: RevokeRequest): Promise<void> {
    return this.exclusive(() => this.revokeNow(req));
  }

  private async revokeNow(req: RevokeRequest): Promise<void> {
    const data = await this.readState();
    const revoked = parseRevoked(data["revoked.json"]);
    if (revoked.some((r) => r.serialNumber === req.serialNumber)) return; // already revoked: idempotent
    revoked.push({ serialNumber: req.serialNumber, revokedAt: req.revokedAt.toISOString(), reason: req.reason });
    await this.store.update(this.config.caSecretName, { ...data, "revoked.json": JSON.stringify(revoked) });
  }

  async revokedCount(): Promise<number> {
    return parseRevoked((await this.readState())["revoked.json"]).length;
  }

  async crl(): Promise<PublishedCrl> {
    return this.exclusive(() => this.crlNow());
  }

  /** Read-modify-write of the CA Secret one at a time: workers share this connector. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async crlNow(): Promise<PublishedCrl> {
    const ca = await this.loadCa();
    const data = await this.readState();
    // RFC 5280: every CRL an issuer publishes gets a larger number than the last one.
    const crlNumber = Number(data["crl-number"] ?? "0") + 1;
    await this.store.update(this.config.caSecretName, { ...data, "crl-number": String(crlNumber) });
    const revoked = parseRevoked(data["revoked.json"]);
    const thisUpdate = floorToSecond(this.now());
    const nextUpdate = new Date(thisUpdate.getTime() + (this.config.crlValidityMs ?? DAY));
    const pem = await buildCrl({
      issuer: ca,
      crlNumber,
      thisUpdate,
      nextUpdate,
      revoked: revoked.map((r) => ({ ...r, revocationDate: floorToSecond(new Date(r.revokedAt)) })),
    });
    return { pem, crlNumber, thisUpdate, nextUpdate, revokedCount: revoked.length };
  }

  private async readState(): Promise<Record<string, string>> {
    const data = await this.store.read(this.config.caSecretName);
    if (!data) throw new ConnectorError("CANotFound", `CA Secret ${this.config.caSecretName} does not exist`, true);
    return data;
  }

  private async loadCa(): Promise<CaMaterial> {
    if (this.ca) return this.ca;
    let data = await this.store.read(this.config.caSecretName);
    if (!data) {
      if (!this.config.generate) {
        throw new ConnectorError(
          "CANotFound",
          `CA Secret ${this.config.caSecretName} does not exist and the profile does not ask to generate one`,
          false,
        );
      }
      const created = await createCertificateAuthority({
        commonName: this.config.commonName ?? "certwright local CA",
        organization: this.config.organization,
        now: this.now(),
      });
      data = await this.store.createIfAbsent(this.config.caSecretName, {
        "tls.crt": created.certificatePem,
        "tls.key": created.privateKeyPem,
        "crl-number": "0",
        "revoked.json": "[]",
      });
    }
    this.ca = validateCa(this.config.caSecretName, data);
    return this.ca;
  }
}

function validateCa(name: string, data: Record<string, string>): CaMaterial {
  const certificatePem = data["tls.crt"];
  const privateKeyPem = data["tls.key"];
  if (!certificatePem || !privateKeyPem) {
    throw new ConnectorError("CAInvalid", `CA Secret ${name} must hold tls.crt and tls.key`, false);
  }
  let info;
  try {
    info = inspectCertificate(certificatePem);
  } catch {
    throw new ConnectorError("CAInvalid", `CA Secret ${name}: tls.crt is not a valid certificate`, false);
  }
  if (!info.isCA) throw new ConnectorError("CAInvalid", `CA Secret ${name}: tls.crt is not a CA certificate`, false);
  return { certificatePem, privateKeyPem };
}

function parseRevoked(json: string | undefined): RevokedEntry[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as RevokedEntry[]) : [];
  } catch {
    return [];
  }
}
