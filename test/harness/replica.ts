// One operator replica in a process of its own, wired like src/main.ts (real clock, Lease on the
// API server, fence on its client) but with short lease timings, for tests that pause it with
// SIGSTOP. Reports on stdout, one JSON object per line, with Date.now() as `at`:
//   {"ev":"candidate"}  acquire called (the first time, and again once a lost term's controllers stopped)
//   {"ev":"leading"} {"ev":"lost"}  {"ev":"write","verb","path"}  a write sent
//   {"ev":"fenced"}  a write refused by the fence
// Usage: node test/harness/replica.ts <kubeconfig> <namespace> <identity>
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../src/kube/client.ts";
import { KubeLeaseStore } from "../../src/kube/lease-store.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createOperator } from "../../src/operator.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { LeaderElector } from "../../src/runtime/leader-election.ts";

const REPLICA_TIMING = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 };

const [kubeconfig, namespace, identity] = process.argv.slice(2);
if (!kubeconfig || !namespace || !identity) throw new Error("usage: replica.ts <kubeconfig> <namespace> <identity>");
const report = (ev: string, extra: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ ev, at: Date.now(), ...extra })}\n`);

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const client = KubeClient.fromKubeConfig(kc);
client.rest.onWrite = (verb, path) => report("write", { verb, path });
const log = createLogger({ level: process.env.REPLICA_LOG_LEVEL ?? "warn", name: identity } as Parameters<typeof createLogger>[0]);
const elector = new LeaderElector({ store: new KubeLeaseStore(client, namespace, "certwright-controller"), identity, clock: systemClock, log, ...REPLICA_TIMING });
const acquire = elector.acquire.bind(elector);
elector.acquire = (signal) => {
  report("candidate");
  return acquire(signal).then(() => {
    report("leading");
  });
};
elector.onLost(() => report("lost"));
const operator = createOperator({ client, clock: systemClock, log, metrics: createMetrics(), namespace, clusterResourceNamespace: namespace, leaderGate: elector, instance: identity });
const fence = client.rest.fence!;
client.rest.fence = {
  check: () => {
    try {
      fence.check();
    } catch (e) {
      report("fenced");
      throw e;
    }
  },
  get signal() {
    return fence.signal;
  },
};
process.once("SIGTERM", () => void operator.stop().then(() => process.exit(0)));
await operator.start();
