// certwright operator entry point: the only place that reads argv/env and exits.
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { parseConfig } from "./config.ts";
import { KubeClient } from "./kube/client.ts";
import { createLogger } from "./observability/logger.ts";
import { startHealthServer } from "./observability/http-server.ts";
import { createMetrics } from "./observability/metrics.ts";
import { createOperator } from "./operator.ts";
import { systemClock } from "./runtime/clock.ts";

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env);
  const log = createLogger({ level: config.logLevel, name: "certwright" });
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  const client = KubeClient.fromKubeConfig(kc);
  const metrics = createMetrics({ defaultMetrics: true });
  client.rest.onWrite = (verb, path) => metrics.apiWrites.inc({ verb, resource: path.split("/").slice(-2, -1)[0] ?? "" });
  const operator = createOperator({
    client,
    clock: systemClock,
    log,
    metrics,
    namespace: config.namespace,
    clusterResourceNamespace: config.clusterResourceNamespace,
    workers: config.workers,
    instance: hostname(),
    onLeadershipLost: () => {
      log.error("lost leadership; exiting");
      process.exit(1);
    },
  });
  const health = await startHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry: metrics.registry,
    isReady: () => operator.manager.isReady(),
    isHealthy: () => operator.manager.isHealthy(),
    log,
  });
  log.info({ port: health.port, namespace: config.namespace ?? "(all)", server: kc.getCurrentCluster()?.server }, "certwright starting");
  const shutdown = (signal: string) => {
    log.info({ signal }, "shutting down");
    void operator
      .stop()
      .then(() => health.close())
      .then(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  await operator.start();
}

main().catch((err: unknown) => {
  console.error(`certwright: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
