// Two operator instances share one Lease on the real API server: only the leader writes; when
// the leader is cut off from the API server (its renewals stop abruptly, nothing is released) it
// stops at renewDeadline, the other takes over once the lease has expired, and finishes the
// certificates created after. No certificate is issued twice, and the two never write at once.
// The deposed leader's writes are fenced; it stays up as a candidate and leads again once the
// other lets go. Real clock with short timings (lease 2 s, renew deadline 1.5 s, retry 0.3 s).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { KubeLeaseStore, type LeaseRecord, type LeaseStore, type StoredLease } from "../../src/kube/lease-store.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { FencedError } from "../../src/kube/fence.ts";
import { LEASES, SECRETS } from "../../src/kube/resources.ts";
import { MAX_REQUEST_CONNECTIONS } from "../../src/kube/rest.ts";
import { captureLogger } from "../../src/observability/log-capture.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createOperator, type Operator } from "../../src/operator.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { LeaderElector } from "../../src/runtime/leader-election.ts";
import { eventually, freshNamespace, kubeConfig, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, waitReady } from "../harness/operator.ts";

const TIMING = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 };
const LEASE = "certwright-controller";
const admin = testClient();
let ns: string;

/** A lease store that can be cut off from the API server, like a partitioned or frozen leader. */
class CuttableStore implements LeaseStore {
  cut = false;
  private readonly inner: LeaseStore;

  constructor(inner: LeaseStore) {
    this.inner = inner;
  }

  get description(): string {
    return this.inner.description;
  }

  get(signal?: AbortSignal): Promise<StoredLease | undefined> {
    return this.cut ? Promise.reject(new Error("cut off")) : this.inner.get(signal);
  }

  create(r: LeaseRecord, signal?: AbortSignal): Promise<StoredLease> {
    return this.cut ? Promise.reject(new Error("cut off")) : this.inner.create(r, signal);
  }

  update(r: LeaseRecord, version: string, signal?: AbortSignal): Promise<StoredLease> {
    return this.cut ? Promise.reject(new Error("cut off")) : this.inner.update(r, version, signal);
  }
}

interface Instance {
  name: string;
  client: KubeClient;
  elector: LeaderElector;
  store: CuttableStore;
  operator: Operator;
  /** Times of this instance's Secret writes (POST/PUT/PATCH on secrets). */
  secretWrites: number[];
  leadingAt?: number;
  lostAt?: number;
  started: Promise<void>;
}

function startInstance(name: string): Instance {
  const client = KubeClient.fromKubeConfig(kubeConfig());
  const secretWrites: number[] = [];
  client.rest.onWrite = (_verb, path) => {
    if (/\/secrets(\/|$)/.test(path)) secretWrites.push(Date.now());
  };
  const store = new CuttableStore(new KubeLeaseStore(client, ns, LEASE));
  const log = captureLogger("info").log;
  const elector = new LeaderElector({ store, identity: name, clock: systemClock, log, ...TIMING });
  const operator = createOperator({
    client, clock: systemClock, log, metrics: createMetrics(), namespace: ns, clusterResourceNamespace: ns, leaderGate: elector, instance: name,
  });
  const inst: Instance = { name, client, elector, store, operator, secretWrites, started: Promise.resolve() };
  elector.onLost(() => (inst.lostAt = Date.now()));
  inst.started = operator.start().then(() => {
    if (elector.isLeader()) inst.leadingAt = Date.now();
  });
  return inst;
}

const serverCert = (name: string): KubeObject =>
  ({
    metadata: { name, namespace: ns },
    spec: {
      raProfileRef: { name: "local-ca" }, type: "server", secretName: `${name}-tls`, subject: { commonName: `${name}.example.com` },
      dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 }, duration: "2160h",
    },
  }) as KubeObject;

async function lease(): Promise<{ holderIdentity?: string; leaseTransitions?: number; renewTime?: string }> {
  return (await admin.get<KubeObject & { spec: Record<string, never> }>(LEASES, ns, LEASE)).spec;
}

let a: Instance;
let b: Instance;

beforeAll(async () => {
  ns = await freshNamespace(admin, "leader");
  a = startInstance("replica-a");
  await a.started; // a creates the Lease
  b = startInstance("replica-b");
});

afterAll(async () => {
  await Promise.all([a?.operator.stop(), b?.operator.stop()]);
});

describe("two replicas, one Lease", () => {
  let cutAt = 0;
  const before = ["example-server", "first-1", "first-2"];
  const after = ["after-1", "after-2"];
  const serials = new Map<string, string>();

  it("only the leader issues", async () => {
    expect(a.elector.isLeader()).toBe(true);
    await applyExamples(admin, ns, ["00-ra-profile-local.yaml", "certificate-server.yaml"]);
    for (const n of before.slice(1)) await admin.create(CERTIFICATES, serverCert(n));
    for (const n of before) serials.set(n, (await waitReady(admin, ns, n)).status!.serialNumber!);
    expect(a.secretWrites.length).toBeGreaterThanOrEqual(before.length);
    expect(b.secretWrites).toEqual([]);
    expect(b.elector.isLeader()).toBe(false);
    expect(await lease()).toMatchObject({ holderIdentity: "replica-a", leaseTransitions: 0 });
    // Issue 14: kept-alive connections, not one per request (requests are capped, plus one per watch).
    // At most the request pool's cap plus one per watch: six informers watch (Certificates,
    // RAProfiles, ClusterRAProfiles, Namespaces, Secrets, trust ConfigMaps), and one may re-open.
    expect(a.client.rest.connectionsOpened).toBeLessThanOrEqual(MAX_REQUEST_CONNECTIONS + 7);
    console.log(`connections: replica a sent ${a.client.rest.requestsSent} requests over ${a.client.rest.connectionsOpened} connections`);
    expect(a.client.rest.requestsSent).toBeGreaterThan(2 * a.client.rest.connectionsOpened);
  });

  it("when the leader stops renewing, it stops at renewDeadline and the other takes over after leaseDuration", async () => {
    cutAt = Date.now();
    a.store.cut = true; // no more renewals, and no release either
    await admin.create(CERTIFICATES, serverCert("during-1")); // issued by exactly one of them
    await b.started;
    const lostAfter = a.lostAt! - cutAt;
    const takeover = b.leadingAt! - cutAt;
    console.log(`leader election: old leader stopped ${lostAfter} ms after the cut, new leader took over after ${takeover} ms`);
    // The safety property: the old leader has stopped before the new one leads, and nobody leads
    // before the lease ran out. How much later than that is up to the machine's load: printed above.
    expect(b.leadingAt!).toBeGreaterThan(a.lostAt!);
    expect(takeover).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs * 1.2);
    expect(await lease()).toMatchObject({ holderIdentity: "replica-b", leaseTransitions: 1 });
  });

  it("the new leader finishes certificates created after, and nothing is issued twice", async () => {
    for (const n of after) await admin.create(CERTIFICATES, serverCert(n));
    for (const n of [...after, "during-1"]) await waitReady(admin, ns, n);
    for (const n of [...before, ...after, "during-1"]) {
      const c = await getCert(admin, ns, n);
      expect(c.status?.revision, n).toBe(1);
      expect(c.status?.history, n).toHaveLength(1);
    }
    for (const n of before) expect((await getCert(admin, ns, n)).status?.serialNumber, n).toBe(serials.get(n));
    expect(a.secretWrites.every((t) => t <= a.lostAt!)).toBe(true);
    expect(b.secretWrites.every((t) => t >= b.leadingAt!)).toBe(true);
    expect(b.secretWrites.length).toBeGreaterThanOrEqual(after.length);
    expect(b.secretWrites.length).toBeLessThanOrEqual(after.length + 1); // + during-1, if a had not issued it
  });

  it("the deposed leader's writes are fenced: refused before they are sent", async () => {
    expect(a.elector.isLeader()).toBe(false);
    const before = a.secretWrites.length;
    const probe = { metadata: { name: "probe-from-a", namespace: ns } };
    await expect(a.client.create(SECRETS, probe)).rejects.toBeInstanceOf(FencedError);
    expect(a.secretWrites.length).toBe(before); // nothing was sent
    expect(await admin.find(SECRETS, ns, "probe-from-a")).toBeUndefined();
  });

  it("the deposed leader stays up as a candidate: healthy, ready, not leading", () => {
    expect(a.operator.manager.isHealthy()).toBe(true);
    expect(a.operator.manager.isReady()).toBe(true);
    expect(a.operator.manager.phase).toBe("electing");
    expect(a.operator.manager.terms).toBe(1);
  });

  it("the leader hands the Lease back on a clean stop, and the old leader leads again", async () => {
    a.store.cut = false; // a's partition heals: it is still competing for the Lease
    await b.operator.stop();
    await eventually(() => (a.operator.manager.terms === 2 ? true : undefined), 20_000, "a to lead a second term");
    expect(await lease()).toMatchObject({ holderIdentity: "replica-a", leaseTransitions: 2 });
    const writesBefore = a.secretWrites.length;
    await admin.create(CERTIFICATES, serverCert("again-1"));
    await waitReady(admin, ns, "again-1");
    expect(a.secretWrites.length).toBeGreaterThan(writesBefore);
    for (const n of [...before, ...after, "during-1", "again-1"]) expect((await getCert(admin, ns, n)).status?.revision, n).toBe(1);
  });
});
