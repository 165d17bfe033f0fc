// certwright operator entry point: the only place that reads argv/env and exits.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { configHelp, infoRequest, parseConfig } from "./config.ts";
import { ConfigMapSharedAnswers, kubeHttp01Routes } from "./kube/acme-http01.ts";
import { connect } from "./kube/kubeconfig.ts";
import { TokenBucket } from "./kube/rate-limiter.ts";
import { resourceOfPath } from "./kube/resources.ts";
import { KubeLeaseStore } from "./kube/lease-store.ts";
import { buildInfo, registerBuildInfo } from "./observability/build-info.ts";
import { createLogger } from "./observability/logger.ts";
import { monitorEventLoop } from "./observability/event-loop.ts";
import { startHealthServer } from "./observability/http-server.ts";
import { startPublicServer } from "./observability/public-server.ts";
import { createMetrics } from "./observability/metrics.ts";
import { Http01Responder } from "./connectors/acme/http01-responder.ts";
import { createOperator } from "./operator.ts";
import { systemClock } from "./runtime/clock.ts";
import { LeaderElector } from "./runtime/leader-election.ts";

async function main(): Promise<void> {
  const info = infoRequest(process.argv.slice(2));
  const build = buildInfo();
  if (info) {
    process.stdout.write(info === "help" ? configHelp() : `certwright ${build.version} (node ${build.nodeVersion}${build.commit ? `, commit ${build.commit}` : ""})\n`);
    return;
  }
  const config = parseConfig(process.argv.slice(2), process.env);
  const log = createLogger({ level: config.logLevel, name: "certwright" });
  const { client, server } = await connect({ kubeconfig: config.kubeconfig });
  client.rest.limiter = new TokenBucket({ qps: config.kubeApiQps, burst: config.kubeApiBurst });
  const metrics = createMetrics({ defaultMetrics: true });
  registerBuildInfo(metrics.registry, build);
  const loop = monitorEventLoop(metrics.registry);
  client.rest.onWrite = (verb, path) => metrics.apiWrites.inc({ verb, resource: resourceOfPath(path) });
  // Unique per process, like controller-runtime: a restarted container must not pass for its predecessor.
  // The Lease store talks over connections of its own; createOperator installs the elector's fence on client.
  const leaderGate = config.leaderElect
    ? new LeaderElector({
        store: new KubeLeaseStore(client, config.leaderElectionNamespace, config.leaderElectionId),
        identity: `${hostname()}_${randomUUID()}`,
        clock: systemClock,
        log,
      })
    : undefined;
  // Answers ACME http-01 challenges on a port of its own (never the metrics port).
  const solverNamespace = config.acmeSolverNamespace ?? config.leaderElectionNamespace;
  // Followers answer too: the leader publishes pending answers in a ConfigMap they read.
  const http01 = new Http01Responder({ shared: new ConfigMapSharedAnswers(client, solverNamespace) });
  const solver = config.acmeHttp01Port ? await http01.listen(config.acmeHttp01Port, config.metricsHost) : undefined;
  const operator = createOperator({
    connectorDeps: { acmeHttp01: http01, acmeHttp01Routes: kubeHttp01Routes(client, solverNamespace) },
    client,
    clock: systemClock,
    log,
    metrics,
    namespace: config.namespace,
    clusterResourceNamespace: config.clusterResourceNamespace,
    workers: config.workers,
    jwksOverlapMs: config.jwksOverlap,
    instance: hostname(),
    leaderGate,
    // No exit: the manager has stopped the controllers and competes for the Lease again.
    onLeadershipLost: () => log.warn("lost leadership; controllers stopped, back to candidate"),
  });
  const health = await startHealthServer({
    port: config.metricsPort,
    host: config.metricsHost,
    registry: metrics.registry,
    isReady: () => operator.manager.isReady(),
    isHealthy: () => operator.manager.isHealthy(),
    log,
    // Kept for CRL distribution points written before the public listener existed.
    routes: { "/crl/*": operator.crls.route() },
  });
  // JWKS, OCSP and CRLs for relying parties. Readiness does not depend on it: a port that cannot
  // be bound is logged, and the operator goes on managing certificates.
  const publicServer = config.publicListener
    ? await startPublicServer({ port: config.publicPort, host: config.publicHost, routes: operator.publicRoutes, log }).catch((err: unknown) => {
        log.error({ port: config.publicPort, err: (err as Error).message }, "public listener failed to start; JWKS, OCSP and CRLs are not served on it");
        return undefined;
      })
    : undefined;
  log.info({ version: build.version, commit: build.commit || undefined, node: build.nodeVersion, port: health.port, publicPort: publicServer?.port, acmeHttp01Port: solver?.port, namespace: config.namespace ?? "(all)", server }, "certwright starting");
  const shutdown = (signal: string) => {
    log.info({ signal }, "shutting down");
    void operator
      .stop()
      .then(() => Promise.all([health.close(), publicServer?.close(), solver?.close()]))
      .then(() => {
        loop.stop();
        return client.rest.close();
      })
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
