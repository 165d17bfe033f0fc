// A CA behind any CZERTAINLY v2 authority-provider connector (EJBCA, ADCS, MS CA, ...): the CSR
// goes to .../certificates/issue, revocation to .../certificates/revoke. The remote CA decides
// subject and validity, and publishes its own CRL, so this connector issues, renews and revokes.
import { IssuedCertificates } from "../shared/issued-certificates.ts";
import { throwIfCancelled } from "../shared/abort.ts";
import { csrToDer } from "../shared/csr.ts";
import { resolveTimeouts, undiciHttpClient, type FetchLike, type HttpClientFactory, type HttpTimeoutsSpec } from "../shared/http.ts";
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
import { issuedFromCertificateData } from "./certificate-data.ts";
import { CzertainlyClient } from "./czertainly-client.ts";

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface HttpAuthorityConfig {
  url: string;
  authorityUuid: string;
  raProfileAttributes?: { name: string; value: string }[] | undefined;
  tokenSecretRef?: SecretKeyRef | undefined;
  caBundleSecretRef?: SecretKeyRef | undefined;
  timeouts?: HttpTimeoutsSpec | undefined;
}

export interface HttpConnectorOptions {
  /** Builds the HTTP client; by default undici, trusting caBundleSecretRef when set. */
  http?: HttpClientFactory;
  /** Replaces the HTTP client outright (tests). */
  fetch?: FetchLike;
}

export class HttpConnector implements Connector {
  readonly type = "http";
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["issue", "renew", "revoke"]);
  readonly exactIssuance = false;
  readonly handOff = false;
  private readonly config: HttpAuthorityConfig;
  private readonly store: SecretStore;
  private readonly options: HttpConnectorOptions;
  private readonly issued = new IssuedCertificates();
  private transport: { caPem: string | undefined; fetch: FetchLike } | undefined;

  constructor(config: HttpAuthorityConfig, store: SecretStore, _now: () => Date, options: HttpConnectorOptions = {}) {
    this.config = config;
    this.store = store;
    this.options = options;
  }

  /**
   * Checks that the referenced Secrets are there. The CA certificate is "": the v2 API has no
   * standard call that returns it, so certificates are not compared against a fixed issuer.
   */
  async prepare(opts: CallOptions = {}): Promise<{ caPem: string }> {
    await this.client(opts.signal);
    return { caPem: "" };
  }

  async probe(opts: CallOptions = {}): Promise<void> {
    await (await this.client(opts.signal)).health(opts.signal);
  }

  /** Always "issue": a renewal is a fresh CSR for the same names, which every connector accepts. */
  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const pkcs10 = csrToDer(req.csrPem).toString("base64");
    const body = await (await this.client(req.signal)).post("issue", { pkcs10, attributes: this.attributes() }, req.signal);
    const issued = await issuedFromCertificateData(body.certificateData);
    this.issued.remember(issued.certificatePem);
    return issued;
  }

  async revoke(req: RevokeRequest): Promise<void> {
    const der = this.issued.derFor(req, "CZERTAINLY");
    // Our reason names are RFC 5280's, which are exactly CZERTAINLY's CertificateRevocationReason codes.
    const body = { reason: req.reason, certificate: der.toString("base64"), attributes: this.attributes() };
    await (await this.client(req.signal)).post("revoke", body, req.signal);
  }

  crl(): Promise<PublishedCrl> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  revokedCount(): Promise<number> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  /** RA profile attributes in CZERTAINLY's RequestAttributeDto shape. */
  private attributes(): { name: string; content: { data: string }[] }[] {
    return (this.config.raProfileAttributes ?? []).map((a) => ({ name: a.name, content: [{ data: a.value }] }));
  }

  /** Secrets are read on every call, so a rotated token or CA bundle takes effect at once. */
  private async client(signal: AbortSignal | undefined): Promise<CzertainlyClient> {
    throwIfCancelled(signal, "the request to the CZERTAINLY connector");
    const token = this.config.tokenSecretRef ? await this.secret(this.config.tokenSecretRef, "TokenNotFound", "bearer token") : undefined;
    const caPem = this.config.caBundleSecretRef ? await this.secret(this.config.caBundleSecretRef, "CABundleNotFound", "CA bundle") : undefined;
    return new CzertainlyClient({ baseUrl: this.config.url, authorityUuid: this.config.authorityUuid, fetch: this.fetchFor(caPem), token });
  }

  /** One HTTP agent per CA bundle, so connections are reused until the bundle changes. */
  private fetchFor(caPem: string | undefined): FetchLike {
    if (this.options.fetch) return this.options.fetch;
    if (!this.transport || this.transport.caPem !== caPem) {
      const http = this.options.http ?? undiciHttpClient;
      this.transport = { caPem, fetch: http({ caPem, timeouts: resolveTimeouts(this.config.timeouts) }) };
    }
    return this.transport.fetch;
  }

  private async secret(ref: SecretKeyRef, reason: string, what: string): Promise<string> {
    const value = (await this.store.read(ref.name))?.[ref.key]?.trim();
    // Retryable: the Secret may simply not have been created yet.
    if (!value) throw new ConnectorError(reason, `Secret ${ref.name} has no ${ref.key} holding the ${what}`, true);
    return value;
  }
}
