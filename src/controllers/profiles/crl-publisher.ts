// Publishes an authority's CRL into a ConfigMap next to the profile (key ca.crl, PEM) and keeps
// the DER in memory for the operator's HTTP endpoint. A new CRL is signed when revocations were
// added since the last one, or halfway to nextUpdate, so relying parties never see a stale one.
import type { Connector } from "../../connectors/connector.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { CONFIG_MAPS } from "../../kube/resources.ts";
import { MANAGED_BY_LABEL } from "../../kube/secret-store.ts";
import type { RouteHandler } from "../../observability/http-server.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { CRL_LIMITS, pemDecode } from "../../pki/pem.ts";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const A_NUMBER = "certwright.dev/crl-number";
const A_REVOKED = "certwright.dev/revoked-count";
const A_THIS = "certwright.dev/this-update";
const A_NEXT = "certwright.dev/next-update";

export interface CrlTarget {
  namespace: string;
  configMapName: string;
  /** Path served over HTTP, e.g. /crl/demo/local-ca.crl. */
  path: string;
}

/** How long a replica that does not publish (a follower) serves a CRL it read before reading again. */
const FOLLOWER_CACHE_MS = 30_000;

/** /crl/<namespace>/<name>.crl is an RAProfile's, /crl/<name>.crl a ClusterRAProfile's. */
const CRL_PATH = /^\/crl\/(?:([a-z0-9-]+)\/)?([a-z0-9.-]+)\.crl$/;

export class CrlPublisher {
  private readonly client: KubeClient;
  private readonly clusterResourceNamespace: string;
  private readonly now: () => Date;
  /** Path -> DER of the latest CRL, for the HTTP endpoint. */
  readonly served = new Map<string, Buffer>();
  private readonly readBack = new Map<string, { der: Buffer; at: number }>();
  private readonly metrics: Metrics | undefined;

  constructor(client: KubeClient, clusterResourceNamespace: string, now: () => Date, metrics?: Metrics) {
    this.client = client;
    this.clusterResourceNamespace = clusterResourceNamespace;
    this.now = now;
    this.metrics = metrics;
  }

  /**
   * Serves each CRL in DER (application/pkix-crl), as CRL distribution points expect. The leader
   * serves what it published; other replicas behind the same Service read the ConfigMap.
   */
  route(): RouteHandler {
    return async (req) => {
      const der = this.served.get(req.path) ?? (await this.fromConfigMap(req.path));
      return der
        ? { status: 200, contentType: "application/pkix-crl", body: der }
        : { status: 404, contentType: "text/plain; charset=utf-8", body: "no such CRL\n" };
    };
  }

  private async fromConfigMap(path: string): Promise<Buffer | undefined> {
    const m = CRL_PATH.exec(path);
    if (!m) return undefined;
    const hit = this.readBack.get(path);
    const now = this.now().getTime();
    if (hit && now - hit.at < FOLLOWER_CACHE_MS) return hit.der;
    const cm = await this.client.find<ConfigMap>(CONFIG_MAPS, m[1] ?? this.clusterResourceNamespace, `${m[2]}-crl`);
    const pem = cm?.data?.["ca.crl"];
    if (!pem) return undefined;
    const der = toDer(pem);
    this.readBack.set(path, { der, at: now });
    return der;
  }

  /** Publishes when needed; returns ms until the CRL should be refreshed. */
  async ensureFresh(target: CrlTarget, connector: Connector, now: Date): Promise<{ refreshInMs: number; crlNumber: number }> {
    const cm = await this.client.find<ConfigMap>(CONFIG_MAPS, target.namespace, target.configMapName);
    const a = cm?.metadata.annotations ?? {};
    const refreshAt = halfway(a[A_THIS], a[A_NEXT]);
    const stale = !cm?.data?.["ca.crl"] || Number(a[A_REVOKED] ?? -1) !== (await connector.revokedCount()) || now.getTime() >= refreshAt;
    if (!stale) {
      this.served.set(target.path, toDer(cm.data!["ca.crl"]!));
      this.report(target, a[A_THIS], a[A_NEXT]);
      return { refreshInMs: refreshAt - now.getTime(), crlNumber: Number(a[A_NUMBER] ?? 0) };
    }
    const crl = await connector.crl();
    const body: ConfigMap = {
      metadata: {
        name: target.configMapName,
        namespace: target.namespace,
        labels: { [MANAGED_BY_LABEL]: "certwright" },
        annotations: {
          [A_NUMBER]: String(crl.crlNumber),
          [A_REVOKED]: String(crl.revokedCount),
          [A_THIS]: crl.thisUpdate.toISOString(),
          [A_NEXT]: crl.nextUpdate.toISOString(),
        },
        resourceVersion: cm?.metadata.resourceVersion,
      },
      data: { "ca.crl": crl.pem },
    };
    if (cm) await this.client.replace(CONFIG_MAPS, body);
    else await this.client.create(CONFIG_MAPS, body);
    this.served.set(target.path, toDer(crl.pem));
    this.report(target, crl.thisUpdate.toISOString(), crl.nextUpdate.toISOString());
    return { refreshInMs: halfway(crl.thisUpdate.toISOString(), crl.nextUpdate.toISOString()) - now.getTime(), crlNumber: crl.crlNumber };
  }

  /** The CRL age metrics (the CRL-stale alert compares nextUpdate with the time). */
  private report(target: CrlTarget, thisUpdate: string | undefined, nextUpdate: string | undefined): void {
    const m = CRL_PATH.exec(target.path);
    if (!this.metrics || !m || !thisUpdate || !nextUpdate) return;
    const kind = m[1] === undefined ? "ClusterRAProfile" : "RAProfile";
    this.metrics.recordCrl({ kind, namespace: m[1] ?? "", profile: m[2]!, thisUpdate: new Date(thisUpdate), nextUpdate: new Date(nextUpdate) });
  }
}

function halfway(thisUpdate: string | undefined, nextUpdate: string | undefined): number {
  if (!thisUpdate || !nextUpdate) return 0;
  const a = new Date(thisUpdate).getTime();
  return a + (new Date(nextUpdate).getTime() - a) / 2;
}

function toDer(pem: string): Buffer {
  return Buffer.from(pemDecode(pem, ["X509 CRL", "CRL"], CRL_LIMITS).der);
}
