// Connectors are built once per profile generation and shared by every Certificate using it,
// so the local CA is read from its Secret once, not per issuance. Each is timed (issuance metric).
import type { Connector } from "../connectors/connector.ts";
import { createConnector, type ConnectorDeps } from "../connectors/factory.ts";
import { timeIssuance } from "../connectors/timed-connector.ts";
import type { KubeClient } from "../kube/client.ts";
import { KubeSecretStore } from "../kube/secret-store.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ResolvedProfile } from "./profiles/resolve-profile.ts";

export class ConnectorRegistry {
  private readonly client: KubeClient;
  private readonly now: () => Date;
  private readonly deps: ConnectorDeps;
  private readonly metrics: Pick<Metrics, "issuanceDuration"> | undefined;
  private readonly cache = new Map<string, { version: string; connector: Connector }>();

  /** `deps` reach every connector built (e.g. an HTTP client factory in tests). */
  constructor(client: KubeClient, now: () => Date, deps: ConnectorDeps = {}, metrics?: Pick<Metrics, "issuanceDuration">) {
    this.client = client;
    this.now = now;
    this.deps = deps;
    this.metrics = metrics;
  }

  get(p: Pick<ResolvedProfile, "kind" | "name" | "secretNamespace" | "uid" | "generation" | "spec">): Connector {
    const key = `${p.kind}/${p.secretNamespace}/${p.name}`;
    const version = `${p.uid}/${p.generation}`;
    const hit = this.cache.get(key);
    if (hit?.version === version) return hit.connector;
    const connector = this.timed(createConnector(p.spec.authority, new KubeSecretStore(this.client, p.secretNamespace), this.now, this.deps));
    this.cache.set(key, { version, connector });
    return connector;
  }

  private timed(connector: Connector): Connector {
    const metrics = this.metrics;
    if (!metrics) return connector;
    return timeIssuance(connector, (s) => metrics.issuanceDuration.observe({ connector: s.connector, result: s.result }, s.seconds), this.now);
  }
}
