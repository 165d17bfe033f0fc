// A CA reached over ACME (RFC 8555). The account key lives in a Secret (created on first use);
// each issuance is one order for the request's DNS names and IP addresses, answered through
// the profile's solvers (http-01 on the operator's listener, dns-01 through RFC 2136), finalized with the request's CSR. The server decides the validity period, and
// ACME has no CRL to publish, so this connector issues, renews and revokes, nothing more.
import { REVOCATION_REASON_CODES } from "../../pki/crl.ts";
import { canonicalIp } from "../../pki/san.ts";
import { IssuedCertificates } from "../shared/issued-certificates.ts";
import {
  ConnectorError,
  unsupported,
  type CallOptions,
  type Capability,
  type Connector,
  type IssuedCertificate,
  type IssueRequest,
  type PublishedCrl,
  type RevokeRequest,
  type SecretStore,
} from "../connector.ts";
import { loadOrCreateAccountKey, readCaBundle, type SecretKeyRef } from "./account-key.ts";
import { DNS01_PROPAGATION_TIMEOUT_SECONDS, DNS01_TTL_SECONDS, type AcmeSolvers, type ExternalAccountBinding, type Http01Solver } from "../../api/acme-solvers.ts";
import { AcmeClient, type Identifier } from "./acme-client.ts";
import type { ChallengeSolver } from "./challenge-solver.ts";
import { Dns01Solver } from "./dns/dns01-solver.ts";
import { parseNameserver, Rfc2136Client } from "./dns/rfc2136.ts";
import { decodeMacKey, type EabCredentials } from "./eab.ts";
import type { Http01Responder, Http01Route } from "./http01-responder.ts";
import { abortable, sleepUnlessCancelled } from "../shared/abort.ts";
import { csrToDer } from "../shared/csr.ts";
import { resolveTimeouts, undiciHttpClient, type FetchLike, type HttpClientFactory, type HttpTimeoutsSpec } from "../shared/http.ts";
import { splitChain } from "../shared/chain.ts";

export interface AcmeAuthorityConfig {
  server: string;
  email?: string | undefined;
  accountKeySecretRef: SecretKeyRef;
  caBundleSecretRef?: SecretKeyRef | undefined;
  timeouts?: HttpTimeoutsSpec | undefined;
  solvers?: AcmeSolvers | undefined;
  externalAccountBinding?: ExternalAccountBinding | undefined;
}

export interface AcmeConnectorOptions {
  /** Builds the HTTP client; by default undici, trusting caBundleSecretRef when set. */
  http?: HttpClientFactory;
  /** Replaces the HTTP client outright (tests). */
  fetch?: FetchLike;
  /** Must reject early when the signal fires. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  pollAttempts?: number;
  pollIntervalMs?: number;
  /** The operator's http-01 listener; a profile with solvers.http01 needs it. */
  http01?: Http01Responder | undefined;
  /** Builds the per-challenge Ingress/HTTPRoute a profile asks for (in the profile's namespace). */
  http01Route?: ((solver: Http01Solver) => Http01Route | undefined) | undefined;
  /** Replaces the solvers built from the profile (tests). */
  solvers?: ChallengeSolver[];
}

export class AcmeConnector implements Connector {
  readonly type = "acme";
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["issue", "renew", "revoke"]);
  readonly exactIssuance = false;
  readonly handOff = false;
  private readonly config: AcmeAuthorityConfig;
  private readonly store: SecretStore;
  private readonly options: AcmeConnectorOptions;
  private client: Promise<AcmeClient> | undefined;
  private readonly issued = new IssuedCertificates();

  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(config: AcmeAuthorityConfig, store: SecretStore, now: () => Date, options: AcmeConnectorOptions = {}) {
    this.now = now;
    this.sleep = options.sleep ?? ((ms, signal) => sleepUnlessCancelled(ms, signal, "waiting for the ACME server"));
    this.config = config;
    this.store = store;
    this.options = options;
  }

  /**
   * Loads (or creates) the account key and registers the account. The CA certificate is
   * always "": an ACME server names no fixed trust anchor up front, and its intermediates
   * rotate, so comparing certificates against the last one seen would call good ones foreign.
   */
  async prepare(opts: CallOptions = {}): Promise<{ caPem: string }> {
    await this.ready(opts.signal);
    return { caPem: "" };
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const { signal } = req;
    const identifiers = identifiersOf(req);
    const csrDer = csrToDer(req.csrPem);
    const client = await this.ready(signal);
    const { url, order } = await client.newOrder(identifiers, signal);
    // Sequential on purpose: an order has few names, and a server's rate limits count requests.
    for (const authz of order.authorizations) await client.authorize(authz, signal);
    const done = await client.finalize(url, order, csrDer, signal);
    const issued = await splitChain(await client.downloadChain(done.certificate!, signal));
    this.issued.remember(issued.certificatePem);
    return issued;
  }

  async revoke(req: RevokeRequest): Promise<void> {
    const der = this.issued.derFor(req, "ACME");
    const client = await this.ready(req.signal);
    await client.revoke(der, REVOCATION_REASON_CODES[req.reason], req.signal);
  }

  /** The directory, fetched now (not the cached copy): the server answers, or it does not. */
  async probe(opts: CallOptions = {}): Promise<void> {
    const client = await this.ready(opts.signal);
    await client.fetchDirectory(opts.signal);
  }

  crl(): Promise<PublishedCrl> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  revokedCount(): Promise<number> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  /** One client (key, directory, account) per connector; a failure is retried by the next call. */
  private ready(signal: AbortSignal | undefined): Promise<AcmeClient> {
    this.client ??= this.connect().catch((e: unknown) => {
      this.client = undefined;
      throw e;
    });
    return abortable(this.client, signal, "connecting to the ACME server");
  }

  private async connect(): Promise<AcmeClient> {
    const accountKey = await loadOrCreateAccountKey(this.store, this.config.accountKeySecretRef);
    const ca = this.config.caBundleSecretRef ? await readCaBundle(this.store, this.config.caBundleSecretRef) : undefined;
    const client = new AcmeClient({
      directoryUrl: this.config.server,
      accountKey,
      fetch: this.options.fetch ?? (this.options.http ?? undiciHttpClient)({ caPem: ca, timeouts: resolveTimeouts(this.config.timeouts) }),
      sleep: this.sleep,
      pollAttempts: this.options.pollAttempts,
      pollIntervalMs: this.options.pollIntervalMs,
      solvers: this.options.solvers ?? (await this.buildSolvers()),
      eab: await this.eabCredentials(),
    });
    await client.account(this.config.email);
    return client;
  }

  private async buildSolvers(): Promise<ChallengeSolver[]> {
    const spec = this.config.solvers;
    const solvers: ChallengeSolver[] = [];
    if (spec?.http01) {
      if (!this.options.http01) {
        throw new ConnectorError("Http01SolverUnavailable", "solvers.http01 is set but this operator runs without its http-01 listener (--acme-http01-port)", false);
      }
      solvers.push(this.options.http01.solver(this.options.http01Route?.(spec.http01)));
    }
    if (spec?.dns01) {
      const r = spec.dns01.rfc2136;
      const secret = await readBounded(this.store, r.tsigSecretSecretRef, "the TSIG secret");
      const key = Buffer.from(secret.trim(), "base64");
      if (key.length < 16 || key.toString("base64").replace(/=+$/, "") !== secret.trim().replace(/=+$/, "")) {
        throw new ConnectorError("TSIGSecretInvalid", `Secret ${r.tsigSecretSecretRef.name}/${r.tsigSecretSecretRef.key} is not a base64 TSIG secret of at least 16 bytes`, false);
      }
      const client = new Rfc2136Client({ ...parseNameserver(r.nameserver), zone: r.zone, key: { name: r.tsigKeyName, secret: key }, now: this.now });
      solvers.push(new Dns01Solver({ client, zone: r.zone, ttl: r.ttl ?? DNS01_TTL_SECONDS, propagationTimeoutMs: (r.propagationTimeoutSeconds ?? DNS01_PROPAGATION_TIMEOUT_SECONDS) * 1000, sleep: this.sleep }));
    }
    return solvers;
  }

  private async eabCredentials(): Promise<EabCredentials | undefined> {
    const eab = this.config.externalAccountBinding;
    if (!eab) return undefined;
    const macKey = decodeMacKey(await readBounded(this.store, eab.keySecretRef, "the EAB MAC key"));
    if (!macKey) {
      throw new ConnectorError("EABKeyInvalid", `Secret ${eab.keySecretRef.name}/${eab.keySecretRef.key} is not a base64url MAC key of 16 to 1024 bytes`, false);
    }
    return { keyId: eab.keyID, macKey };
  }
}

/** A small credential from a Secret: missing is retryable (not created yet), oversized is not. */
async function readBounded(store: SecretStore, ref: SecretKeyRef, what: string): Promise<string> {
  const value = (await store.read(ref.name))?.[ref.key];
  if (value === undefined) throw new ConnectorError("SecretNotFound", `Secret ${ref.name} has no ${ref.key} (${what})`, true);
  if (value.length > 4096) throw new ConnectorError("SecretInvalid", `Secret ${ref.name}/${ref.key} (${what}) is larger than 4096 bytes`, false);
  return value;
}

function identifiersOf(req: IssueRequest): Identifier[] {
  const { dnsNames = [], ipAddresses = [], uris = [], emailAddresses = [] } = req.sans;
  if (uris.length || emailAddresses.length) {
    throw new ConnectorError("UnsupportedIdentifier", "ACME certifies DNS names and IP addresses only, not URIs or email addresses", false);
  }
  const ids: Identifier[] = [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ipAddresses.map((value) => ({ type: "ip" as const, value: canonicalIp(value) })),
  ];
  if (!ids.length) throw new ConnectorError("NoIdentifiers", "ACME needs at least one DNS name or IP address", false);
  return ids;
}
