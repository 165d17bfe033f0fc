// The embedded CA: a key pair kept in a Secret (generated on first use when asked), signing
// CSRs itself and building CRLs from the revoked serials it keeps in its own state Secret.
// It signs only while the CA certificate is valid, and never a leaf that outlives the CA.
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { buildCrl } from "../../pki/crl.ts";
import { usagesForType } from "../../pki/usages.ts";
import { describeKey } from "../../pki/keys.ts";
import { caValidityError, leafWithinCaError } from "../ca-validity.ts";
import {
  ConnectorError,
  type CallOptions,
  type Capability,
  type Connector,
  type IssuedCertificate,
  type IssueRequest,
  type PrepareOptions,
  type PublishedCrl,
  type RevokeRequest,
  type SecretStore,
} from "../connector.ts";
import { throwIfCancelled } from "../shared/abort.ts";
import { loadCaMaterial, type LoadedCa } from "./ca-material.ts";
import { CrlStateStore } from "./crl-state.ts";
import { LocalOcspResponder, type OcspAnswerOptions, type OcspSignerMode } from "./ocsp-responder.ts";

export interface LocalAuthorityConfig {
  caSecretName: string;
  generate: boolean;
  commonName?: string;
  organization?: string;
  crlDistributionPoints?: string[];
  /** How long a published CRL stays valid. */
  crlValidityMs?: number;
  /** OCSP URLs written into issued certificates (Authority Information Access). */
  ocspServers?: string[];
  /** Who signs OCSP responses: a delegated responder certificate (default) or the CA key. */
  ocspSigner?: OcspSignerMode;
}

const DAY = 24 * 3600 * 1000;

/** The CA Secret's content last read, and what it gave: usable material or the refusal. */
interface CachedCa {
  crt: string;
  key: string;
  result: LoadedCa | ConnectorError;
}

export class LocalConnector implements Connector {
  readonly type = "local";
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["issue", "renew", "revoke", "crl"]);
  readonly exactIssuance = true;
  readonly handOff = false;
  private readonly config: LocalAuthorityConfig;
  private readonly store: SecretStore;
  private readonly state: CrlStateStore;
  private readonly now: () => Date;
  private ca: CachedCa | undefined;
  /** The read (or first-use generation) in flight: concurrent callers share it. */
  private loading: Promise<CachedCa> | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly responder: LocalOcspResponder;

  constructor(config: LocalAuthorityConfig, store: SecretStore, now: () => Date) {
    this.config = config;
    this.store = store;
    this.state = new CrlStateStore(store, config.caSecretName);
    this.now = now;
    this.responder = new LocalOcspResponder({
      store,
      caSecretName: config.caSecretName,
      mode: config.ocspSigner ?? "Delegated",
      now,
      ca: () => this.usableCa(false),
      revoked: async () => (await this.state.read()).revoked,
    });
  }

  async prepare(opts: PrepareOptions = {}): Promise<{ caPem: string }> {
    const ca = await this.usableCa(opts.fresh === true);
    return { caPem: ca.certificatePem };
  }

  /** The CA Secret read again and checked: valid now, key matching, usable for signing. */
  async probe(opts: CallOptions = {}): Promise<void> {
    await this.prepare({ fresh: true, signal: opts.signal });
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const ca = await this.usableCa(false);
    const tooLong = leafWithinCaError(req, ca.validity);
    if (tooLong) throw tooLong;
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
      ocspUrls: this.config.ocspServers,
    });
    return { certificatePem, chainPems: [], caPem: ca.certificatePem };
  }

  async revoke(req: RevokeRequest): Promise<void> {
    const entry = { serialNumber: req.serialNumber, revokedAt: req.revokedAt.toISOString(), reason: req.reason };
    await this.exclusive(() =>
      // Already revoked: idempotent, the first date and reason stand.
      this.state.modify((state) => (state.revoked.some((r) => r.serialNumber === req.serialNumber) ? undefined : { ...state, revoked: [...state.revoked, entry] })),
    );
  }

  /** Answers a DER OCSP request (RFC 6960) about this CA's certificates. */
  ocsp(requestDer: Uint8Array, opts: OcspAnswerOptions = {}): Promise<Uint8Array> {
    return this.responder.answer(requestDer, opts);
  }

  async revokedCount(): Promise<number> {
    return (await this.state.read()).revoked.length;
  }

  async crl(): Promise<PublishedCrl> {
    return this.exclusive(() => this.crlNow());
  }

  /** This connector's workers take turns on the state Secret, so they do not make each other retry. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async crlNow(): Promise<PublishedCrl> {
    // A CA that cannot sign gets no CRL number spent on it.
    const ca = await this.usableCa(false);
    // RFC 5280: every CRL an issuer publishes gets a larger number than the last one. Stored
    // before signing, so a failure can skip a number but never reuse one; the CRL lists exactly
    // the revocations stored with that number.
    const state = await this.state.modify((s) => ({ ...s, crlNumber: s.crlNumber + 1 }));
    const crlNumber = state.crlNumber;
    const thisUpdate = floorToSecond(this.now());
    const nextUpdate = new Date(thisUpdate.getTime() + (this.config.crlValidityMs ?? DAY));
    const pem = await buildCrl({
      issuer: ca,
      crlNumber,
      thisUpdate,
      nextUpdate,
      revoked: state.revoked.map((r) => ({ ...r, revocationDate: floorToSecond(new Date(r.revokedAt)) })),
    });
    return { pem, crlNumber, thisUpdate, nextUpdate, revokedCount: state.revoked.length };
  }

  /** The CA, if it may sign now; else the ConnectorError that says why (the same on every path). */
  private async usableCa(fresh: boolean): Promise<LoadedCa> {
    const cached = fresh || !this.ca ? await this.loadShared() : this.ca;
    if (cached.result instanceof ConnectorError) throw cached.result;
    const invalid = caValidityError(`CA Secret ${this.config.caSecretName}`, cached.result.validity, this.now());
    if (invalid) throw invalid;
    return cached.result;
  }

  /**
   * One read at a time for all of this connector's workers: on a fresh profile they would otherwise
   * each generate a CA key and race to create the Secret (one wins, the others' work is wasted).
   */
  private loadShared(): Promise<CachedCa> {
    this.loading ??= this.loadCa().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Reads the CA Secret (creating it when asked to and absent); re-parses only when its content changed. */
  private async loadCa(): Promise<CachedCa> {
    const name = this.config.caSecretName;
    let data = await this.store.read(name);
    if (!data) {
      if (!this.config.generate) {
        // Retryable: the Secret may be created at any time, and the profile probes until it is.
        throw new ConnectorError("CANotFound", `CA Secret ${name} does not exist and the profile does not ask to generate one`, true);
      }
      const created = await createCertificateAuthority({
        commonName: this.config.commonName ?? "certwright local CA",
        organization: this.config.organization,
        now: this.now(),
      });
      // Created by us (labelled managed-by certwright), yet still never written again.
      data = await this.store.createIfAbsent(name, { "tls.crt": created.certificatePem, "tls.key": created.privateKeyPem });
    }
    const crt = data["tls.crt"] ?? "";
    const key = data["tls.key"] ?? "";
    if (this.ca?.crt === crt && this.ca.key === key) return this.ca;
    let result: LoadedCa | ConnectorError;
    try {
      result = loadCaMaterial(name, data);
    } catch (e) {
      if (!(e instanceof ConnectorError)) throw e;
      result = e;
    }
    this.ca = { crt, key, result };
    return this.ca;
  }
}
