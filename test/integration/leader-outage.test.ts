// With leader election on, an API server outage longer than the renew deadline costs the
// replica its term, not its life: it stops its controllers, keeps competing for the Lease with
// capped back-off, and once the API server is back (same port) leads again and finishes the
// work created meanwhile. The operator talks to an API server of its own over the shared etcd,
// so killing it disturbs no other test. Real clock, short timings (lease 6 s, deadline 4 s: short
// enough for a quick test, long enough that a loaded machine does not lose terms by itself).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { KubeLeaseStore } from "../../src/kube/lease-store.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { captureLogger } from "../../src/observability/log-capture.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createOperator, type Operator } from "../../src/operator.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { LeaderElector } from "../../src/runtime/leader-election.ts";
import { startApiServer, writeKubeconfig, type ControlPlaneInfo } from "../../tools/control-plane/index.ts";
import { freePort, stopProcess, type Managed } from "../../tools/control-plane/processes.ts";
import { eventually, freshNamespace, kubeConfig, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, waitReady } from "../harness/operator.ts";

const TIMING = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };
const admin = testClient();
let ns: string;
let info: ControlPlaneInfo;
let apiserver: Managed | undefined;
let operator: Operator;
let elector: LeaderElector;
let losses = 0;
let capture: ReturnType<typeof captureLogger>;

const cert = (name: string): KubeObject =>
  ({
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 } },
  }) as KubeObject;

beforeAll(async () => {
  const cp = inject("controlPlane");
  ns = await freshNamespace(admin, "outage");
  await applyExamples(admin, ns, ["00-ra-profile-local.yaml"]);
  const port = await freePort();
  info = {
    dir: cp.dir, server: `https://127.0.0.1:${port}`, apiPort: port, etcdUrl: cp.etcdUrl,
    kubeconfig: join(await mkdtemp(join(tmpdir(), "kc-outage-")), "kubeconfig"), certs: cp.certs,
    binaries: { kubeApiserver: cp.kubeApiserver, etcd: "" },
  };
  apiserver = await startApiServer(info, port, "kube-apiserver-outage");
  await writeKubeconfig(info);
  const client = KubeClient.fromKubeConfig(kubeConfig(info.kubeconfig));
  capture = captureLogger("info");
  const log = capture.log;
  elector = new LeaderElector({ store: new KubeLeaseStore(client, ns, "certwright-controller"), identity: "outage-replica", clock: systemClock, log, ...TIMING });
  elector.onLost(() => losses++);
  operator = createOperator({ client, clock: systemClock, log, metrics: createMetrics(), namespace: ns, clusterResourceNamespace: ns, leaderGate: elector });
  await operator.start();
});

afterAll(async () => {
  await operator?.stop();
  if (apiserver) await stopProcess(apiserver, inject("controlPlane").dir);
});

describe("leader election through an API server outage", () => {
  it("leads and issues", async () => {
    expect(elector.isLeader()).toBe(true);
    await admin.create(CERTIFICATES, cert("before"));
    await waitReady(admin, ns, "before");
  });

  it("loses its term when the API server goes away, but stays up as a healthy candidate", async () => {
    await stopProcess(apiserver!, info.dir, "SIGKILL");
    apiserver = undefined;
    await eventually(() => (losses >= 1 ? true : undefined), 30_000, "the renew deadline to pass");
    await admin.create(CERTIFICATES, cert("during")); // through the shared API server: ours is down
    expect(operator.manager.isHealthy()).toBe(true);
    expect(operator.manager.isLeader()).toBe(false);
    expect(operator.manager.phase).toBe("electing");
  });

  it("leads again once the API server is back on the same port, and finishes what was created meanwhile", async () => {
    apiserver = await startApiServer(info, info.apiPort, "kube-apiserver-outage");
    await eventually(() => (operator.manager.terms >= 2 ? true : undefined), 60_000, "a second term");
    await waitReady(admin, ns, "during");
    await admin.create(CERTIFICATES, cert("after"));
    await waitReady(admin, ns, "after");
    for (const n of ["before", "during", "after"]) expect((await getCert(admin, ns, n)).status?.revision, n).toBe(1);
    // The outage cost at least one term; a busy machine may cost another, which must change nothing
    // issued (revisions above). Extra losses are printed, not failed on.
    if (losses !== 1) console.log(capture.raw.filter((l) => /lease|leader/i.test(l)).join(""));
    expect(losses).toBeGreaterThanOrEqual(1);
  });
});
