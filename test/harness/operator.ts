// Runs the operator in-process against the shared control plane, on a fake clock, and
// counts what it writes so tests can assert "issued nothing".
import { fileURLToPath } from "node:url";
import { applyExampleFiles } from "../../tools/examples.ts";
import type { ConnectorDeps } from "../../src/connectors/factory.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { NAMESPACES, SECRETS } from "../../src/kube/resources.ts";

const CLUSTER_RESOURCE_NAMESPACE = "certwright-system";
import { decodeSecretData } from "../../src/kube/secret-store.ts";
import { captureLogger } from "../../src/observability/log-capture.ts";
import { createMetrics, type Metrics } from "../../src/observability/metrics.ts";
import { createOperator, type Operator } from "../../src/operator.ts";
import { FakeClock } from "../../src/runtime/clock.ts";
import { eventually, kubeConfig } from "./cluster.ts";

export interface RunningOperator {
  operator: Operator;
  clock: FakeClock;
  client: KubeClient;
  /** Secret writes (POST/PUT/PATCH on secrets) since start: each issuance writes its Secret once. */
  secretWrites: () => number;
  /** Every write since start (any verb but GET, any resource), e.g. "PATCH /apis/.../status". */
  writes: () => string[];
  logs: () => string;
  metrics: Metrics;
  /** Reconciles the Certificate controller has finished (any result). */
  certificateReconciles: () => Promise<number>;
  /**
   * Reconciles this Certificate now and waits until the controller has finished a reconcile
   * after it: the way to prove that nothing happens, instead of sleeping.
   */
  forceReconcile(ns: string, name: string): Promise<void>;
  /** Reconciles the RAProfile and ClusterRAProfile controllers have finished (any result). */
  profileReconciles: () => Promise<number>;
  stop(): Promise<void>;
}

export async function startOperator(opts: { namespace?: string; clock?: FakeClock; jwksOverlapMs?: number; connectorDeps?: ConnectorDeps } = {}): Promise<RunningOperator> {
  const client = KubeClient.fromKubeConfig(kubeConfig());
  let writes = 0;
  const all: string[] = [];
  client.rest.onWrite = (verb, path) => {
    all.push(`${verb} ${path}`);
    if (/\/secrets(\/|$)/.test(path)) writes++;
  };
  const clock = opts.clock ?? new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const capture = captureLogger("debug");
  // Where ClusterRAProfiles keep their CA Secrets (the chart creates it in a real install).
  if (!(await client.find(NAMESPACES, undefined, CLUSTER_RESOURCE_NAMESPACE))) {
    await client.create<KubeObject>(NAMESPACES, { metadata: { name: CLUSTER_RESOURCE_NAMESPACE } }).catch(() => undefined);
  }
  const metrics = createMetrics();
  const operator = createOperator({
    client, clock, log: capture.log, metrics, namespace: opts.namespace, clusterResourceNamespace: CLUSTER_RESOURCE_NAMESPACE, jwksOverlapMs: opts.jwksOverlapMs,
    connectorDeps: opts.connectorDeps,
  });
  await operator.start();
  return {
    operator, clock, client, metrics, secretWrites: () => writes, writes: () => [...all], logs: () => capture.raw.join(""),
    certificateReconciles: () => reconciles(metrics, ["certificate"]),
    profileReconciles: () => reconciles(metrics, ["raprofile", "clusterraprofile"]),
    forceReconcile: async (ns, name) => {
      const key = `${ns}/${name}`;
      // A reconcile already running may have read the state before the change under test:
      // wait for one that starts after this call.
      const target = operator.certificateReconciles(key).started + 1;
      operator.enqueueCertificate(key);
      await eventually(() => (operator.certificateReconciles(key).finished >= target ? true : undefined), 30_000, `a reconcile of ${key}`);
    },
    stop: () => operator.stop(),
  };
}

async function reconciles(metrics: Metrics, controllers: string[]): Promise<number> {
  const values = (await metrics.reconcileTotal.get()).values;
  return values.filter((v) => controllers.includes(String(v.labels.controller))).reduce((n, v) => n + v.value, 0);
}

/** Creates the objects of examples/*.yaml in the namespace (the kubectl apply -n ns -f examples/ equivalent). */
export function applyExamples(client: KubeClient, namespace: string, files?: string[]): Promise<KubeObject[]> {
  return applyExampleFiles(client, namespace, fileURLToPath(new URL("../../examples", import.meta.url)), files);
}

export interface CertStatus {
  conditions?: { type: string; status: string; reason: string; message: string }[];
  serialNumber?: string;
  revision?: number;
  notBefore?: string;
  notAfter?: string;
  renewalTime?: string;
  history?: { serialNumber: string; state: string }[];
  failedIssuanceAttempts?: number;
  nextRetryTime?: string;
}

export async function getCert(client: KubeClient, ns: string, name: string): Promise<KubeObject & { status?: CertStatus; spec: Record<string, unknown> }> {
  return client.get(CERTIFICATES, ns, name);
}

export function readyOf(c: { status?: CertStatus }) {
  return c.status?.conditions?.find((x) => x.type === "Ready");
}

export async function waitReady(client: KubeClient, ns: string, name: string, pred: (s: CertStatus) => boolean = () => true) {
  return eventually(async () => {
    const c = await getCert(client, ns, name);
    return readyOf(c)?.status === "True" && pred(c.status ?? {}) ? c : undefined;
  }, 60_000, `${ns}/${name} Ready`);
}

export async function waitNotReady(client: KubeClient, ns: string, name: string) {
  return eventually(async () => {
    const c = await getCert(client, ns, name);
    const r = readyOf(c);
    return r?.status === "False" ? r : undefined;
  }, 30_000, `${ns}/${name} Ready=False`);
}

export async function secretData(client: KubeClient, ns: string, name: string): Promise<Record<string, string>> {
  return decodeSecretData(await client.get<SecretObject>(SECRETS, ns, name));
}
