// Publishes each Certificate's public JWK Set over HTTP (GET /jwks/<namespace>/<name>.json) and
// grouped sets (GET /jwks/<namespace>/groups/<group>.json, every Certificate labelled
// certwright.dev/jwks-group=<group>). The keys come from the Certificate's Secret and status; what
// must outlive a rekey, the superseded public keys and when they were superseded, is kept in a
// ConfigMap `<certificate>-jwks` the operator owns. The leader's reconcile writes that ConfigMap;
// every replica serves from its caches, so the Service may route to any of them.
import { createHash, X509Certificate } from "node:crypto";
import type { CertificateSpec, CertificateStatus } from "../../api/certificate.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isConflict } from "../../kube/errors.ts";
import { keyOf, type KubeObject, type SecretObject } from "../../kube/objects.ts";
import { splitKey } from "../../runtime/keys.ts";
import { CONFIG_MAPS } from "../../kube/resources.ts";
import { decodeSecretData, MANAGED_BY_LABEL } from "../../kube/secret-store.ts";
import type { RouteHandler, RouteResponse } from "../../observability/http-server.ts";
import { buildJwks, type PublicJwk } from "../../pki/jwks.ts";
import { normalizeSerial } from "../../pki/serial.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileContext, ReconcileResult, Reconciler } from "../../runtime/controller.ts";
import { CERTIFICATE_NAME_LABEL } from "../certificate/ownership.ts";
import { nextChangeInMs, nextState, servedKeys, type JwksInputs, type JwksState, type KnownKey } from "./jwks-set.ts";

export const JWKS_GROUP_LABEL = "certwright.dev/jwks-group";
/** Default time a superseded key stays published after a rekey. */
export const DEFAULT_JWKS_OVERLAP_MS = 24 * 3600_000;
/** Relying parties may cache a set this long; short, so that a revoked key is gone within a minute. */
export const JWKS_MAX_AGE_SECONDS = 60;
/** How long a replica serves a state it read before reading the ConfigMap again. */
const STATE_CACHE_MS = 30_000;
/** A ConfigMap larger than this is not ours to trust: ignored as if empty. */
const MAX_STATE_BYTES = 256 * 1024;
const STATE_KEY = "jwks-state.json";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

interface CertificateObject extends KubeObject {
  spec?: Partial<CertificateSpec>;
  status?: CertificateStatus;
}

export interface JwksPublisherOptions {
  client: KubeClient;
  certificates: { get(key: string): KubeObject | undefined; list(namespace?: string): KubeObject[] };
  secrets: { get(key: string): SecretObject | undefined };
  clock: Clock;
  /** How long a superseded key stays in the set (default 24h). */
  overlapMs?: number;
}

export function jwksStateName(certificateName: string): string {
  const name = `${certificateName}-jwks`;
  if (name.length <= 253) return name;
  return `${certificateName.slice(0, 236).replace(/[.-]+$/, "")}-${createHash("sha256").update(certificateName).digest("hex").slice(0, 10)}-jwks`;
}

export class JwksPublisher implements Reconciler {
  private readonly o: JwksPublisherOptions;
  private readonly overlapMs: number;
  private readonly states = new Map<string, { state: JwksState; version: string | undefined; readAt: number }>();
  private readonly liveCache = new Map<string, { crt: string; key: KnownKey | undefined }>();

  constructor(o: JwksPublisherOptions) {
    this.o = o;
    this.overlapMs = o.overlapMs ?? DEFAULT_JWKS_OVERLAP_MS;
  }

  /** Leader only: remembers a replaced key (and forgets expired ones) in the Certificate's ConfigMap. */
  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const cert = this.o.certificates.get(key);
    if (!namespace) return {};
    if (!cert || !publishes(cert)) {
      // Nothing served any more. The operator never deletes: the ConfigMap goes with its
      // Certificate (owner reference), and one left by a disabled jwks is simply not served.
      this.forget(key);
      return {};
    }
    const inputs = await this.inputs(cert);
    const held = await this.readState(namespace, name, true);
    const next = nextState(held.state, inputs);
    if (JSON.stringify(next) !== JSON.stringify(held.state)) {
      ctx.assertLeader();
      await this.write(cert, next, held.version);
    }
    const change = nextChangeInMs(next, inputs);
    return change === undefined ? {} : { requeueAfterMs: change + 1000 };
  }

  /** GET /jwks/<ns>/<name>.json and /jwks/<ns>/groups/<group>.json, with ETag and 304. */
  route(): RouteHandler {
    return async (req) => {
      const one = /^\/jwks\/([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})\.json$/.exec(req.path);
      const group = /^\/jwks\/([a-z0-9-]{1,63})\/groups\/([A-Za-z0-9._-]{1,63})\.json$/.exec(req.path);
      let certs: CertificateObject[];
      if (group) {
        certs = this.o.certificates.list(group[1]).filter((c) => c.metadata.labels?.[JWKS_GROUP_LABEL] === group[2]);
      } else if (one) {
        const c = this.o.certificates.get(`${one[1]}/${one[2]}`);
        certs = c ? [c] : [];
      } else {
        return notFound();
      }
      const published = certs.filter(publishes);
      if (published.length === 0) return notFound();
      const keys: PublicJwk[] = [];
      for (const c of published.sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
        const held = await this.readState(c.metadata.namespace ?? "", c.metadata.name ?? "", false);
        keys.push(...servedKeys(held.state, await this.inputs(c)));
      }
      const unique = keys.filter((k, i) => keys.findIndex((o) => o.kid === k.kid) === i);
      return cacheable(JSON.stringify({ keys: unique }), req.headers["if-none-match"]);
    };
  }

  private async inputs(cert: CertificateObject): Promise<JwksInputs> {
    const revoked = new Set((cert.status?.history ?? []).filter((h) => h.state === "revoked").map((h) => safeSerial(h.serialNumber)));
    return { live: await this.live(cert), revoked, now: this.o.clock.now(), overlapMs: this.overlapMs };
  }

  /** The key the Certificate's Secret holds now, if it is the certificate the status names. */
  private async live(cert: CertificateObject): Promise<KnownKey | undefined> {
    const spec = cert.spec ?? {};
    const secret = this.o.secrets.get(`${cert.metadata.namespace}/${spec.secretName}`);
    if (!secret || secret.metadata.labels?.[CERTIFICATE_NAME_LABEL] !== cert.metadata.name) return undefined;
    const crt = decodeSecretData(secret)["tls.crt"] ?? "";
    const key = await this.keyOfSecret(keyOf(cert), crt, spec.type === "encryption" ? "enc" : "sig", spec.jwks?.alg);
    const serial = cert.status?.serialNumber;
    // A Secret the reconciler has not caught up with (or one being replaced) is not published.
    return key && serial && safeSerial(serial) === key.serialNumber ? key : undefined;
  }

  /** The key of a tls.crt, built once per content. */
  private async keyOfSecret(certKey: string, crt: string, use: "sig" | "enc", alg: string | undefined): Promise<KnownKey | undefined> {
    const cacheKey = `${certKey}/${use}/${alg ?? ""}`;
    const hit = this.liveCache.get(cacheKey);
    if (hit?.crt === crt) return hit.key;
    const key = await knownKey(crt, use, alg);
    this.liveCache.set(cacheKey, { crt, key });
    return key;
  }

  private async readState(namespace: string, certName: string, fresh: boolean): Promise<{ state: JwksState; version: string | undefined }> {
    const key = `${namespace}/${certName}`;
    const now = this.o.clock.now().getTime();
    const hit = this.states.get(key);
    if (hit && !fresh && now - hit.readAt < STATE_CACHE_MS) return hit;
    const cm = await this.o.client.find<ConfigMap>(CONFIG_MAPS, namespace, jwksStateName(certName));
    const got = { state: parseState(cm?.data?.[STATE_KEY]), version: cm?.metadata.resourceVersion, readAt: now };
    this.states.set(key, got);
    return got;
  }

  private async write(cert: CertificateObject, state: JwksState, version: string | undefined): Promise<void> {
    const namespace = cert.metadata.namespace ?? "";
    const body: ConfigMap = {
      metadata: {
        name: jwksStateName(cert.metadata.name ?? ""),
        namespace,
        labels: { [MANAGED_BY_LABEL]: "certwright", [CERTIFICATE_NAME_LABEL]: cert.metadata.name ?? "" },
        ownerReferences: [{ apiVersion: "certwright.dev/v1alpha1", kind: "Certificate", name: cert.metadata.name ?? "", uid: cert.metadata.uid ?? "", controller: true }],
        resourceVersion: version,
      },
      data: { [STATE_KEY]: JSON.stringify(state) },
    };
    const key = keyOf(cert);
    try {
      const saved = version === undefined ? await this.o.client.create(CONFIG_MAPS, body) : await this.o.client.replace(CONFIG_MAPS, body);
      this.states.set(key, { state, version: saved.metadata.resourceVersion, readAt: this.o.clock.now().getTime() });
    } catch (e) {
      // Someone else wrote it (a former leader): read again on the retry.
      this.states.delete(key);
      throw isConflict(e) ? new Error(`ConfigMap ${namespace}/${body.metadata.name} changed concurrently; retrying`) : e;
    }
  }

  private forget(key: string): void {
    this.states.delete(key);
    for (const k of this.liveCache.keys()) if (k.startsWith(`${key}/`)) this.liveCache.delete(k);
  }
}

function publishes(c: CertificateObject): boolean {
  return c.spec?.jwks?.enabled === true && (c.spec.type === "signing" || c.spec.type === "encryption") && !c.metadata.deletionTimestamp;
}

async function knownKey(crt: string, use: "sig" | "enc", alg: string | undefined): Promise<KnownKey | undefined> {
  try {
    const jwks = await buildJwks({ certificatePems: [crt], use, alg });
    const leaf = new X509Certificate(Buffer.from(jwks.keys[0]!.x5c[0]!, "base64"));
    return { jwk: jwks.keys[0]!, serialNumber: normalizeSerial(leaf.serialNumber), notAfter: new Date(leaf.validTo).toISOString() };
  } catch {
    return undefined;
  }
}

function safeSerial(s: string): string {
  try {
    return normalizeSerial(s);
  } catch {
    return s;
  }
}

function parseState(json: string | undefined): JwksState {
  if (!json || json.length > MAX_STATE_BYTES) return { retired: [] };
  try {
    const v = JSON.parse(json) as Partial<JwksState>;
    const ok = (k: unknown): k is KnownKey => typeof k === "object" && k !== null && typeof (k as KnownKey).jwk?.kid === "string" && typeof (k as KnownKey).serialNumber === "string" && typeof (k as KnownKey).notAfter === "string";
    return {
      current: ok(v.current) ? v.current : undefined,
      retired: Array.isArray(v.retired) ? v.retired.filter((r) => ok(r) && typeof r.retiredAt === "string") : [],
    };
  } catch {
    return { retired: [] };
  }
}

function notFound(): RouteResponse {
  return { status: 404, contentType: "text/plain; charset=utf-8", body: "no such JWK Set\n" };
}

/** The body with a strong ETag over it; 304 without a body when the client has it already. */
export function cacheable(body: string, ifNoneMatch: string | string[] | undefined): RouteResponse {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = { "ETag": etag, "Cache-Control": `public, max-age=${JWKS_MAX_AGE_SECONDS}` };
  const sent = (Array.isArray(ifNoneMatch) ? ifNoneMatch.join(",") : (ifNoneMatch ?? "")).split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (sent.includes(etag) || sent.includes("*")) return { status: 304, contentType: "application/jwk-set+json", body: "", headers };
  return { status: 200, contentType: "application/jwk-set+json", body, headers };
}
