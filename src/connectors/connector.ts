// The CA connector contract. A connector reaches one Authority; it never touches the Kubernetes
// client (persistence is handed in as a SecretStore). Whatever it cannot do, it says so through
// its capabilities, and the controller turns a missing capability into a clear condition.
import type { RevocationReason } from "../pki/crl.ts";
import type { SanSpec, SubjectSpec } from "../pki/subject.ts";
import type { CertificateType } from "../pki/usages.ts";

export type Capability = "issue" | "renew" | "revoke" | "crl";

/** Options every connector call takes. */
export interface CallOptions {
  /**
   * Cancels the call: pending HTTP requests are aborted and the call fails with the retryable
   * ConnectorError "Cancelled". Connectors without I/O check it before they sign.
   */
  signal?: AbortSignal | undefined;
}

export interface IssueRequest extends CallOptions {
  csrPem: string;
  publicKeyPem: string;
  type: CertificateType;
  subject: SubjectSpec;
  sans: SanSpec;
  notBefore: Date;
  notAfter: Date;
  /**
   * Set when this is a renewal with the same key (rotationPolicy Never): the certificate being
   * renewed. Authorities with a renew operation (CZERTAINLY) renew it; the others issue anew.
   */
  renewal?: { certificatePem: string } | undefined;
}

export interface IssuedCertificate {
  /** Leaf certificate, PEM. */
  certificatePem: string;
  /** Intermediates between the leaf and the root, PEM each (may be empty). */
  chainPems: string[];
  /** The trust anchor to put in ca.crt. */
  caPem: string;
}

export interface RevokeRequest extends CallOptions {
  serialNumber: string;
  reason: RevocationReason;
  revokedAt: Date;
  /** The certificate itself when the caller has it: authorities that revoke by certificate (ACME) need it. */
  certificatePem?: string;
}

export interface Connector {
  readonly type: string;
  readonly capabilities: ReadonlySet<Capability>;
  /**
   * Whether issued certificates carry exactly the requested subject, validity and the type's key
   * usages. ACME servers choose these themselves; then only names and key are compared, or every
   * reconcile would re-issue.
   */
  readonly exactIssuance: boolean;
  /**
   * Issuance happens outside the operator: the CSR is published and a person hands the signed
   * certificate back (the manual connector). issue() is then never called.
   */
  readonly handOff: boolean;
  /**
   * Makes the authority usable (e.g. creates the local CA on first use) and returns its CA
   * certificate. `fresh` re-reads stored material instead of the cached copy (the profile's
   * periodic re-check, so a replaced CA Secret is picked up).
   */
  prepare(opts?: PrepareOptions): Promise<{ caPem: string }>;
  /**
   * Asks the authority whether it answers now (the profile's Ready): the local CA is read and
   * checked, an ACME server's directory and a CZERTAINLY connector's health endpoint are fetched.
   */
  probe(opts?: CallOptions): Promise<void>;
  issue(req: IssueRequest): Promise<IssuedCertificate>;
  revoke(req: RevokeRequest): Promise<void>;
  /** Signs a fresh CRL (a new CRL number each call), when the authority publishes one. */
  crl(opts?: CallOptions): Promise<PublishedCrl>;
  /** How many certificates the authority has revoked: a change means the CRL is stale. */
  revokedCount(opts?: CallOptions): Promise<number>;
}

export interface PrepareOptions extends CallOptions {
  fresh?: boolean;
}

export interface PublishedCrl {
  pem: string;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revokedCount: number;
}

/** Persistence for connectors, backed by Secrets in the profile's namespace. */
export interface SecretStore {
  read(name: string): Promise<Record<string, string> | undefined>;
  /** The data with the version it was read at, for a later `update`. */
  readVersioned(name: string): Promise<{ data: Record<string, string>; version: string } | undefined>;
  /** Creates the Secret unless it exists; returns what is stored afterwards (ours or the winner's). */
  createIfAbsent(name: string, data: Record<string, string>): Promise<Record<string, string>>;
  /**
   * Replaces the data of an existing Secret if it is still at `version`; otherwise throws
   * StoreConflict (another writer, another replica or another profile on the same CA, was first).
   */
  update(name: string, data: Record<string, string>, version: string): Promise<void>;
  /** A ConfigMap's data in the same namespace (non-secret trust material, e.g. a CA bundle). */
  readConfigMap?(name: string): Promise<Record<string, string> | undefined>;
}

/** A versioned update lost the race: read again and re-apply. */
export class StoreConflict extends Error {
  constructor(name: string) {
    super(`Secret ${name} was changed concurrently`);
    this.name = "StoreConflict";
  }
}

/**
 * A connector's failure with a CamelCase reason for the condition. `retryable` false: the
 * authority will refuse again until something changes. Transport failures are retryable:
 * CATimeout (connect, headers or body timeout), CAUnreachable, ConnectionDropped (closed before an
 * answer), TLSHandshakeRefused, ResponseTooLarge, Cancelled.
 */
export class ConnectorError extends Error {
  readonly retryable: boolean;
  readonly reason: string;

  constructor(reason: string, message: string, retryable: boolean) {
    super(message);
    this.name = "ConnectorError";
    this.reason = reason;
    this.retryable = retryable;
  }
}

export function unsupported(connector: string, capability: Capability): ConnectorError {
  return new ConnectorError("NotSupported", `the ${connector} connector cannot ${capability}`, false);
}
