// Connectors are built once per profile generation and shared by every Certificate using it,
// so the local CA is read from its Secret once, not per issuance.
import type { Connector } from "../connectors/connector.ts";
import { createConnector, type ConnectorDeps } from "../connectors/factory.ts";
import type { KubeClient } from "../kube/client.ts";
import { KubeSecretStore } from "../kube/secret-store.ts";
import type { Metrics } from "../observability/metrics.ts";
import { timedConnector } from "./timed-connector.ts";
import type { ResolvedProfile } from "./profiles/resolve-profile.ts";

export class ConnectorRegistry {
  private readonly client: KubeClient;
  private readonly now: () => Date;
  private readonly deps: ConnectorDeps;
  private readonly cache = new Map<string, { version: string; connector: Connector }>();
  private readonly metrics: Metrics | undefined;

  /** `deps` reach every connector built (e.g. an HTTP client factory in tests); with `metrics`, issue() is timed. */
  constructor(client: KubeClient, now: () => Date, deps: ConnectorDeps = {}, metrics?: Metrics) {
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
    const built = createConnector(p.spec.authority, new KubeSecretStore(this.client, p.secretNamespace), this.now, this.deps);
    const connector = this.metrics ? timedConnector(built, this.metrics) : built;
    this.cache.set(key, { version, connector });
    return connector;
  }
}
