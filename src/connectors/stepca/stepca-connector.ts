// A Smallstep step-ca, signing through one of its JWK provisioners: every request carries a
// one-time token signed with the provisioner's key (from a Secret). step-ca's certificate
// template decides the subject and key usages (the default keeps only the common name and the
// SANs) and step-ca publishes its own CRL, so this connector issues, renews and revokes.
import { createHash } from "node:crypto";
import { REVOCATION_REASON_CODES } from "../../pki/crl.ts";
import { splitPemBundle, verifyIssuedBy } from "../../pki/inspect.ts";
import { pemDecode } from "../../pki/pem.ts";
import { canonicalIp } from "../../pki/san.ts";
import { normalizeSerial } from "../../pki/serial.ts";
import { throwIfCancelled } from "../shared/abort.ts";
import { splitChain } from "../shared/chain.ts";
import { resolveTimeouts, undiciHttpClient, type FetchLike, type HttpClientFactory, type HttpTimeoutsSpec } from "../shared/http.ts";
import {
  ConnectorError,
  unsupported,
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
import { parseProvisionerKey, type ProvisionerKey } from "./provisioner-key.ts";
import { StepcaClient } from "./stepca-client.ts";
import { mintToken } from "./token.ts";

export interface KeyRef {
  name: string;
  key: string;
}

export interface StepcaAuthorityConfig {
  url: string;
  provisioner: { name: string; keySecretRef: KeyRef; kid?: string | undefined };
  caBundleSecretRef?: KeyRef | undefined;
  caBundleConfigMapRef?: KeyRef | undefined;
  rootFingerprint?: string | undefined;
  timeouts?: HttpTimeoutsSpec | undefined;
}

export interface StepcaConnectorOptions {
  /** Builds the HTTP client; by default undici, trusting the configured CA bundle. */
  http?: HttpClientFactory;
}

/** A trust bundle or the roots step-ca serves: a few certificates. */
const MAX_BUNDLE_BYTES = 256 * 1024;

export class StepcaConnector implements Connector {
  readonly type = "stepca";
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["issue", "renew", "revoke"]);
  // The certificate template decides subject and key usages; only names and key are compared.
  readonly exactIssuance = false;
  readonly handOff = false;
  private readonly config: StepcaAuthorityConfig;
  private readonly store: SecretStore;
  private readonly now: () => Date;
  private readonly options: StepcaConnectorOptions;
  private transport: { caPem: string | undefined; fetch: FetchLike } | undefined;
  private roots: Promise<string[]> | undefined;

  constructor(config: StepcaAuthorityConfig, store: SecretStore, now: () => Date, options: StepcaConnectorOptions = {}) {
    this.config = config;
    this.store = store;
    this.now = now;
    this.options = options;
  }

  /**
   * Reads the provisioner key and the trust bundle, and (fresh) step-ca's roots: the CA is those
   * roots (the pinned one, when a fingerprint is set), what ca.crt gets. Leaves are signed by
   * step-ca's intermediate, which it may rotate: a certificate counts as step-ca's when tls.crt
   * chains to a root, so a rotation re-issues nothing.
   */
  async prepare(opts: PrepareOptions = {}): Promise<{ caPem: string }> {
    await this.provisionerKey();
    const client = await this.client(opts.signal);
    if (opts.fresh) this.roots = undefined;
    const roots = await this.trustedRoots(client, opts.signal);
    return { caPem: roots.map((r) => r.trim() + "\n").join("") };
  }

  async probe(opts: CallOptions = {}): Promise<void> {
    await (await this.client(opts.signal)).health(opts.signal);
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const { subject, sans } = tokenNames(req);
    const key = await this.provisionerKey();
    const client = await this.client(req.signal);
    const ott = await mintToken(key, { issuer: this.config.provisioner.name, audience: client.audience("/1.0/sign"), subject, sans, now: this.now() });
    const body = { csr: req.csrPem, ott, notBefore: req.notBefore.toISOString(), notAfter: req.notAfter.toISOString() };
    const res = await client.post("sign", body, req.signal);
    const issued = await splitChain(chainOf(res), "step-ca");
    return { ...issued, caPem: await this.anchorFor(client, issued, req.signal) };
  }

  /** Passive revocation (step-ca's CRL lists it); a serial already revoked counts as done. */
  async revoke(req: RevokeRequest): Promise<void> {
    const serial = decimalSerial(req.serialNumber);
    const key = await this.provisionerKey();
    const client = await this.client(req.signal);
    const ott = await mintToken(key, { issuer: this.config.provisioner.name, audience: client.audience("/1.0/revoke"), subject: serial, now: this.now() });
    const body = { serial, ott, reasonCode: REVOCATION_REASON_CODES[req.reason], reason: req.reason, passive: true };
    try {
      await client.post("revoke", body, req.signal);
    } catch (e) {
      const failure = StepcaClient.failureOf(e);
      if (failure?.status === 400 && /already revoked/i.test(failure.message)) return;
      throw e;
    }
  }

  crl(): Promise<PublishedCrl> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  revokedCount(): Promise<number> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  /** Read on every call, so a rotated provisioner key takes effect at once. */
  private async provisionerKey(): Promise<ProvisionerKey> {
    const ref = this.config.provisioner.keySecretRef;
    const text = (await this.store.read(ref.name))?.[ref.key];
    // Retryable: the Secret may simply not have been created yet.
    if (!text?.trim()) throw new ConnectorError("ProvisionerKeyNotFound", `Secret ${ref.name} has no ${ref.key} holding the provisioner key`, true);
    return parseProvisionerKey(text, `Secret ${ref.name}/${ref.key}`, this.config.provisioner.kid);
  }

  private async client(signal: AbortSignal | undefined): Promise<StepcaClient> {
    throwIfCancelled(signal, "the request to step-ca");
    return new StepcaClient(this.config.url, this.fetchFor(await this.caBundle()));
  }

  private async caBundle(): Promise<string | undefined> {
    const { caBundleSecretRef: s, caBundleConfigMapRef: c } = this.config;
    if (!s && !c) return undefined;
    const ref = (s ?? c)!;
    const kind = s ? "Secret" : "ConfigMap";
    const data = s ? await this.store.read(ref.name) : await this.store.readConfigMap?.(ref.name);
    const pem = data?.[ref.key];
    // Retryable: the Secret or ConfigMap may simply not have been created yet.
    if (!pem?.trim()) throw new ConnectorError("CABundleNotFound", `${kind} ${ref.name} has no ${ref.key} to trust step-ca with`, true);
    if (Buffer.byteLength(pem) > MAX_BUNDLE_BYTES) throw new ConnectorError("CABundleInvalid", `${kind} ${ref.name}/${ref.key} is larger than ${MAX_BUNDLE_BYTES} bytes`, false);
    return pem;
  }

  /** One HTTP agent per CA bundle, so connections are reused until the bundle changes. */
  private fetchFor(caPem: string | undefined): FetchLike {
    if (!this.transport || this.transport.caPem !== caPem) {
      const http = this.options.http ?? undiciHttpClient;
      this.transport = { caPem, fetch: http({ caPem, timeouts: resolveTimeouts(this.config.timeouts), maxResponseBytes: MAX_BUNDLE_BYTES }) };
      this.roots = undefined;
    }
    return this.transport.fetch;
  }

  /** step-ca's roots from /roots.pem (over the verified connection), pinned when a fingerprint is set. */
  private trustedRoots(client: StepcaClient, signal: AbortSignal | undefined): Promise<string[]> {
    this.roots ??= (async () => {
      const pems = parseRoots(await client.rootsPem(signal));
      const pin = this.config.rootFingerprint?.toLowerCase();
      if (!pin) return pems;
      const pinned = pems.filter((p) => fingerprint(p) === pin);
      if (!pinned.length) {
        throw new ConnectorError("RootFingerprintMismatch", `no root step-ca serves at /roots.pem has the SHA-256 fingerprint ${pin}`, false);
      }
      return pinned;
    })().catch((e: unknown) => {
      this.roots = undefined;
      throw e;
    });
    return this.roots;
  }

  /** ca.crt: the root that signed the top of the served chain; a pinned root must be it. */
  private async anchorFor(client: StepcaClient, issued: IssuedCertificate, signal: AbortSignal | undefined): Promise<string> {
    const top = issued.chainPems.at(-1) ?? issued.certificatePem;
    const roots = await this.trustedRoots(client, signal);
    for (const root of roots) if (await verifyIssuedBy(top, root)) return root;
    if (this.config.rootFingerprint) {
      throw new ConnectorError("RootFingerprintMismatch", "the certificate step-ca returned does not chain to the pinned root", true);
    }
    return issued.caPem;
  }
}

/** sub is the common name, else the first SAN; sans lists every SAN the CSR carries. */
function tokenNames(req: IssueRequest): { subject: string; sans: string[] } {
  const { dnsNames = [], ipAddresses = [], emailAddresses = [], uris = [] } = req.sans;
  const sans = [...dnsNames, ...ipAddresses.map(canonicalIp), ...emailAddresses, ...uris];
  const subject = req.subject.commonName ?? sans[0];
  if (!subject) throw new ConnectorError("NoIdentifiers", "step-ca needs a common name or at least one SAN for the token's subject", false);
  // Without SANs step-ca would put the common name in as a DNS name; say so in the token explicitly.
  return { subject, sans: sans.length ? sans : [subject] };
}

/** step-ca's serial: decimal (it also takes 0x-hex, but its token subject must equal the decimal form). */
function decimalSerial(serial: string): string {
  try {
    return BigInt(`0x${normalizeSerial(serial)}`).toString(10);
  } catch (e) {
    throw new ConnectorError("InvalidSerial", (e as Error).message.slice(0, 120), false);
  }
}

/** certChain (leaf first, intermediates after), else crt + ca of older step-ca versions. */
function chainOf(res: Record<string, unknown>): string {
  const chain = Array.isArray(res.certChain) ? res.certChain.filter((c): c is string => typeof c === "string") : [];
  const parts = chain.length ? chain : [res.crt, res.ca].filter((c): c is string => typeof c === "string" && c.length > 0);
  if (!parts.length) throw new ConnectorError("InvalidResponse", "sign: step-ca's answer has no certificate (crt, certChain)", true);
  return parts.map((p) => p.trim() + "\n").join("");
}

function parseRoots(text: string): string[] {
  try {
    const roots = splitPemBundle(text);
    if (roots.length) return roots;
  } catch {
    // fall through
  }
  throw new ConnectorError("InvalidResponse", "roots: step-ca's /roots.pem holds no readable certificate", true);
}

function fingerprint(pem: string): string {
  return createHash("sha256").update(pemDecode(pem, ["CERTIFICATE"]).der).digest("hex");
}
