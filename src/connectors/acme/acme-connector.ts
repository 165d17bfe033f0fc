// A CA reached over ACME (RFC 8555). The account key lives in a Secret (created on first use);
// each issuance is one order for the request's DNS names and IP addresses, answered through
// http-01, finalized with the request's CSR. The server decides the validity period, and
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
import { AcmeClient, type Http01Presenter, type Identifier } from "./acme-client.ts";
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
  /** Publishes http-01 key authorizations; without it the server must validate on its own. */
  presentHttp01?: Http01Presenter;
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

  constructor(config: AcmeAuthorityConfig, store: SecretStore, _now: () => Date, options: AcmeConnectorOptions = {}) {
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
      sleep: this.options.sleep ?? ((ms, signal) => sleepUnlessCancelled(ms, signal, "waiting for the ACME server")),
      pollAttempts: this.options.pollAttempts,
      pollIntervalMs: this.options.pollIntervalMs,
      presentHttp01: this.options.presentHttp01,
    });
    await client.account(this.config.email);
    return client;
  }
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
