// `npm run dev`: a local control plane (real kube-apiserver + etcd) with our CRDs, the operator
// running against it, and the examples applied in namespace "demo"; prints them once Ready.
// Ctrl-C stops everything. `--once` exits after the table (used as a smoke test).
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../src/kube/client.ts";
import { CERTIFICATES } from "../src/kube/certwright-resources.ts";
import type { KubeObject } from "../src/kube/objects.ts";
import { NAMESPACES } from "../src/kube/resources.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { startHealthServer } from "../src/observability/http-server.ts";
import { createOperator } from "../src/operator.ts";
import { systemClock } from "../src/runtime/clock.ts";
import { applyExampleFiles } from "./examples.ts";
import { startControlPlane } from "./control-plane/index.ts";

const NAMESPACE = "demo";
const once = process.argv.includes("--once");

const cp = await startControlPlane({ crdDir: fileURLToPath(new URL("../crds", import.meta.url)) });
const kc = new KubeConfig();
kc.loadFromFile(cp.kubeconfig);
const client = KubeClient.fromKubeConfig(kc);
for (const name of [NAMESPACE, "certwright"]) await client.create<KubeObject>(NAMESPACES, { metadata: { name } });

const log = createLogger({ level: process.env.LOG_LEVEL === "debug" ? "debug" : "warn", name: "certwright" });
const metrics = createMetrics();
const operator = createOperator({ client, clock: systemClock, log, metrics, clusterResourceNamespace: "certwright" });
const health = await startHealthServer({
  port: Number(process.env.METRICS_PORT ?? 9402), host: "127.0.0.1", registry: metrics.registry,
  isReady: () => operator.manager.isReady(), isHealthy: () => operator.manager.isHealthy(),
});
await operator.start();
console.log(`operator running; metrics on http://127.0.0.1:${health.port}/metrics`);

const applied = await applyExampleFiles(client, NAMESPACE, fileURLToPath(new URL("../examples", import.meta.url)));
console.log(`applied ${applied.length} example objects in namespace ${NAMESPACE}`);
await printWhenReady();
console.log(`\nUse it:  export KUBECONFIG=${cp.kubeconfig}; kubectl get cwc -n ${NAMESPACE}`);

const shutdown = async () => {
  await operator.stop();
  await health.close();
  await cp.stop();
  process.exit(0);
};
if (once) await shutdown();
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());

interface Cert extends KubeObject {
  spec: { type: string; raProfileRef: { name: string } };
  status?: { notAfter?: string; serialNumber?: string; conditions?: { type: string; status: string; reason: string }[] };
}

async function printWhenReady(): Promise<void> {
  const deadline = Date.now() + 120_000;
  let certs: Cert[] = [];
  while (Date.now() < deadline) {
    certs = (await client.list<Cert>(CERTIFICATES, { namespace: NAMESPACE })).items;
    if (certs.every((c) => c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log("\nNAME                 TYPE        PROFILE    READY  SERIAL                            EXPIRES");
  for (const c of certs) {
    const ready = c.status?.conditions?.find((x) => x.type === "Ready");
    console.log(
      [c.metadata.name?.padEnd(20), c.spec.type.padEnd(11), c.spec.raProfileRef.name.padEnd(10), (ready?.status ?? "-").padEnd(6),
        (c.status?.serialNumber ?? "-").padEnd(33), c.status?.notAfter ?? "-"].join(" "),
    );
  }
}
