// A CA behind any CZERTAINLY v2 authority-provider connector (EJBCA, ADCS, HashiCorp Vault, ...),
// spoken as current connectors implement the contract: issue {request, format, raProfileAttributes,
// attributes}, renew {request, format, raProfileAttributes, certificate, meta}, revoke {reason,
// raProfileAttributes, attributes, certificate}, the CA chain from .../caCertificates. The remote
// CA decides subject, validity and usages, and publishes its own CRL.
import { IssuedCertificates } from "../shared/issued-certificates.ts";
import { throwIfCancelled } from "../shared/abort.ts";
import { csrToDer } from "../shared/csr.ts";
import { resolveTimeouts, undiciHttpClient, type FetchLike, type HttpClientFactory, type HttpTimeoutsSpec } from "../shared/http.ts";
import type { RequestAttributeSpec } from "../../api/czertainly-attributes.ts";
import { splitPemBundle } from "../../pki/inspect.ts";
import { pemDecode } from "../../pki/pem.ts";
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
import { definitionMismatches, resolveAttributes } from "./attributes.ts";
import { caChainFromResponse, issuedFromCertificateData } from "./certificate-data.ts";
import { CzertainlyClient, EndpointMissing } from "./czertainly-client.ts";

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface HttpAuthorityConfig {
  url: string;
  authorityUuid: string;
  raProfileAttributes?: RequestAttributeSpec[] | undefined;
  issueAttributes?: RequestAttributeSpec[] | undefined;
  revokeAttributes?: RequestAttributeSpec[] | undefined;
  tokenSecretRef?: SecretKeyRef | undefined;
  caBundleSecretRef?: SecretKeyRef | undefined;
  clientCertificateSecretRef?: { name: string } | undefined;
  timeouts?: HttpTimeoutsSpec | undefined;
}

export interface HttpConnectorOptions {
  /** Builds the HTTP client; by default undici, trusting caBundleSecretRef when set. */
  http?: HttpClientFactory;
  /** Replaces the HTTP client outright (tests). */
  fetch?: FetchLike;
}

/** Largest PEM read from a Secret for TLS (a certificate chain and key are a few KiB). */
const MAX_TLS_SECRET_BYTES = 64 * 1024;

interface Transport {
  key: string;
  fetch: FetchLike;
}

interface Authority {
  /** The CA chain from caCertificates, issuing CA first ("" when the connector has no such endpoint). */
  chainPem: string;
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
  private transport: Transport | undefined;
  private authority: Authority | undefined;

  constructor(config: HttpAuthorityConfig, store: SecretStore, _now: () => Date, options: HttpConnectorOptions = {}) {
    this.config = config;
    this.store = store;
    this.options = options;
  }

  /**
   * Checks the referenced Secrets, the declared attributes against the connector's own
   * definitions and its validation, and fetches the CA chain. Cached until `fresh` (the profile's
   * periodic look), as every Certificate reconcile calls it.
   */
  async prepare(opts: { signal?: AbortSignal | undefined; fresh?: boolean } = {}): Promise<{ caPem: string }> {
    const client = await this.client(opts.signal);
    if (!this.authority || opts.fresh) {
      const raProfileAttributes = await this.attributes("raProfileAttributes");
      await this.checkRaProfileAttributes(client, raProfileAttributes, opts.signal);
      this.authority = { chainPem: await this.caChain(client, raProfileAttributes, opts.signal) };
    }
    return { caPem: this.authority.chainPem };
  }

  async probe(opts: CallOptions = {}): Promise<void> {
    await (await this.client(opts.signal)).health(opts.signal);
  }

  /** Issue, or renew when the request renews a certificate with its own key (rotationPolicy Never). */
  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const client = await this.client(req.signal);
    const request = csrToDer(req.csrPem).toString("base64");
    const raProfileAttributes = await this.attributes("raProfileAttributes");
    const body = req.renewal
      ? await client.call(
          "renew",
          { request, format: "pkcs10", raProfileAttributes, certificate: certificateBase64(req.renewal.certificatePem), meta: [] },
          req.signal,
        )
      : await client.call("issue", { request, format: "pkcs10", raProfileAttributes, attributes: await this.attributes("issueAttributes") }, req.signal);
    const data = body && typeof body === "object" ? (body as { certificateData?: unknown }).certificateData : undefined;
    const issued = await issuedFromCertificateData(data, this.authority?.chainPem);
    this.issued.remember(issued.certificatePem);
    return issued;
  }

  async revoke(req: RevokeRequest): Promise<void> {
    const der = this.issued.derFor(req, "CZERTAINLY");
    const client = await this.client(req.signal);
    // Our reason names are RFC 5280's, which are exactly CZERTAINLY's CertificateRevocationReason codes.
    const body = {
      reason: req.reason,
      raProfileAttributes: await this.attributes("raProfileAttributes"),
      attributes: await this.attributes("revokeAttributes"),
      certificate: der.toString("base64"),
    };
    await client.call("revoke", body, req.signal);
  }

  crl(): Promise<PublishedCrl> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  revokedCount(): Promise<number> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  private attributes(field: "raProfileAttributes" | "issueAttributes" | "revokeAttributes") {
    return resolveAttributes(this.config[field], field, this.store);
  }

  /** A connector that lists or validates RA profile attributes is asked first; one that does neither is trusted. */
  private async checkRaProfileAttributes(client: CzertainlyClient, attributes: unknown[], signal: AbortSignal | undefined): Promise<void> {
    const definitions = await optional(client.call("raProfileAttributes", undefined, signal));
    const mismatches = definitionMismatches(definitions, this.config.raProfileAttributes);
    if (mismatches.length > 0) throw new ConnectorError("AttributeTypeMismatch", mismatches.join("; "), false);
    await optional(client.call("validateRaProfileAttributes", attributes, signal));
  }

  private async caChain(client: CzertainlyClient, raProfileAttributes: unknown[], signal: AbortSignal | undefined): Promise<string> {
    const body = await optional(client.call("caCertificates", { raProfileAttributes }, signal));
    return body === undefined ? "" : caChainFromResponse(body);
  }

  /** Secrets are read on every call, so a rotated token, CA bundle or client certificate takes effect at once. */
  private async client(signal: AbortSignal | undefined): Promise<CzertainlyClient> {
    throwIfCancelled(signal, "the request to the CZERTAINLY connector");
    const token = this.config.tokenSecretRef ? await this.secret(this.config.tokenSecretRef, "TokenNotFound", "bearer token") : undefined;
    const caPem = this.config.caBundleSecretRef ? await this.secret(this.config.caBundleSecretRef, "CABundleNotFound", "CA bundle") : undefined;
    const clientCertificate = await this.clientCertificate();
    return new CzertainlyClient({ baseUrl: this.config.url, authorityUuid: this.config.authorityUuid, fetch: this.fetchFor(caPem, clientCertificate), token });
  }

  private async clientCertificate(): Promise<{ certificatePem: string; keyPem: string } | undefined> {
    const ref = this.config.clientCertificateSecretRef;
    if (!ref) return undefined;
    const what = "client certificate";
    const certificatePem = await this.secret({ name: ref.name, key: "tls.crt" }, "ClientCertificateNotFound", what);
    const keyPem = await this.secret({ name: ref.name, key: "tls.key" }, "ClientCertificateNotFound", `${what}'s key`);
    return { certificatePem, keyPem };
  }

  /** One HTTP agent per TLS material, so connections are reused until a Secret changes. */
  private fetchFor(caPem: string | undefined, clientCertificate: { certificatePem: string; keyPem: string } | undefined): FetchLike {
    if (this.options.fetch) return this.options.fetch;
    const key = JSON.stringify([caPem ?? "", clientCertificate?.certificatePem ?? "", clientCertificate?.keyPem ?? ""]);
    if (!this.transport || this.transport.key !== key) {
      const http = this.options.http ?? undiciHttpClient;
      this.transport = { key, fetch: http({ caPem, clientCertificate, timeouts: resolveTimeouts(this.config.timeouts) }) };
    }
    return this.transport.fetch;
  }

  private async secret(ref: SecretKeyRef, reason: string, what: string): Promise<string> {
    const value = (await this.store.read(ref.name))?.[ref.key]?.trim();
    // Retryable: the Secret may simply not have been created yet.
    if (!value) throw new ConnectorError(reason, `Secret ${ref.name} has no ${ref.key} holding the ${what}`, true);
    if (Buffer.byteLength(value) > MAX_TLS_SECRET_BYTES) throw new ConnectorError(reason, `Secret ${ref.name} key ${ref.key} is over ${MAX_TLS_SECRET_BYTES} bytes`, false);
    return value;
  }
}

/** An endpoint the connector does not implement answers nothing, instead of failing the call. */
async function optional<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof EndpointMissing) return undefined;
    throw e;
  }
}

function certificateBase64(pem: string): string {
  const leaf = splitPemBundle(pem)[0] ?? pem;
  return pemDecode(leaf, ["CERTIFICATE"]).der.toString("base64");
}
