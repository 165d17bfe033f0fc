// Runs the operator in-process against the shared control plane, on a fake clock, and
// counts what it writes so tests can assert "issued nothing".
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../src/kube/client.ts";
import { CERTIFICATES, CLUSTER_RA_PROFILES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { NAMESPACES, SECRETS, type ResourceType } from "../../src/kube/resources.ts";

const CLUSTER_RESOURCE_NAMESPACE = "certwright-system";
import { decodeSecretData } from "../../src/kube/secret-store.ts";
import { captureLogger } from "../../src/observability/log-capture.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createOperator, type Operator } from "../../src/operator.ts";
import { FakeClock } from "../../src/runtime/clock.ts";
import { eventually, kubeConfig } from "./cluster.ts";

export interface RunningOperator {
  operator: Operator;
  clock: FakeClock;
  client: KubeClient;
  /** Secret writes (POST/PUT/PATCH on secrets) since start: each issuance writes its Secret once. */
  secretWrites: () => number;
  logs: () => string;
  stop(): Promise<void>;
}

export async function startOperator(opts: { namespace?: string; clock?: FakeClock } = {}): Promise<RunningOperator> {
  const client = KubeClient.fromKubeConfig(kubeConfig());
  let writes = 0;
  client.rest.onWrite = (_verb, path) => {
    if (/\/secrets(\/|$)/.test(path)) writes++;
  };
  const clock = opts.clock ?? new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const capture = captureLogger("debug");
  // Where ClusterRAProfiles keep their CA Secrets (the chart creates it in a real install).
  if (!(await client.find(NAMESPACES, undefined, CLUSTER_RESOURCE_NAMESPACE))) {
    await client.create<KubeObject>(NAMESPACES, { metadata: { name: CLUSTER_RESOURCE_NAMESPACE } }).catch(() => undefined);
  }
  const operator = createOperator({
    client, clock, log: capture.log, metrics: createMetrics(), namespace: opts.namespace, clusterResourceNamespace: CLUSTER_RESOURCE_NAMESPACE,
  });
  await operator.start();
  return {
    operator, clock, client, secretWrites: () => writes, logs: () => capture.raw.join(""),
    stop: () => operator.stop(),
  };
}

const RESOURCES: Record<string, ResourceType> = { Certificate: CERTIFICATES, RAProfile: RA_PROFILES, ClusterRAProfile: CLUSTER_RA_PROFILES };

/** Creates every object of examples/*.yaml in the namespace (the kubectl apply -n ns -f examples/ equivalent). */
export async function applyExamples(client: KubeClient, namespace: string, files?: string[]): Promise<KubeObject[]> {
  const dir = fileURLToPath(new URL("../../examples", import.meta.url));
  const names = files ?? (await readdir(dir)).filter((f) => f.endsWith(".yaml"));
  const created: KubeObject[] = [];
  for (const f of names) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), "utf8"))) {
      const obj = doc.toJS() as KubeObject | null;
      if (!obj?.kind) continue;
      const r = RESOURCES[obj.kind];
      if (!r) continue;
      if (r.namespaced) obj.metadata.namespace = namespace;
      created.push(await client.create(r, obj));
    }
  }
  return created;
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
