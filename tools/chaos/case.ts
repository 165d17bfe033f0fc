// One case of a scenario: its own namespace (Certificates, RAProfile, CA) and Lease namespace,
// two operator replicas with leader election on, and a watcher of what they produce.
import type { KubeClient } from "../../src/kube/client.ts";
import type { ChaosCluster } from "./cluster.ts";
import { Fleet } from "./fleet.ts";
import { Observer } from "./observe.ts";
import { pollUntil } from "./wait.ts";
import { applyLocalProfile, createNamespaces } from "./workload.ts";

export interface CaseContext {
  cluster: ChaosCluster;
  client: KubeClient;
  label: string;
  namespace: string;
  leaseNamespace: string;
  n: number;
  fleet: Fleet;
  observer: Observer;
}

export interface CaseSetup {
  cluster: ChaosCluster;
  /** Short, DNS-label safe: names the namespaces and the operator users. */
  id: string;
  label: string;
  n: number;
  /** Creates the RAProfile (default: the local CA of examples/00-ra-profile-local.yaml). */
  profile?: (client: KubeClient, namespace: string) => Promise<void>;
}

export async function openCase(s: CaseSetup): Promise<CaseContext> {
  const client = s.cluster.admin;
  const namespace = `chaos-${s.id}`;
  const leaseNamespace = `chaos-${s.id}-lease`;
  await createNamespaces(client, namespace, leaseNamespace);
  await (s.profile ?? applyLocalProfile)(client, namespace);
  const observer = new Observer(client, namespace);
  await observer.start();
  const fleet = new Fleet({ cluster: s.cluster, namespace, leaseNamespace, label: s.id });
  const ctx: CaseContext = { cluster: s.cluster, client, label: s.label, namespace, leaseNamespace, n: s.n, fleet, observer };
  try {
    const replicas = [await fleet.start(), await fleet.start()];
    for (const r of replicas) if (!(await fleet.waitReady(r))) throw new Error(`${r.name} did not become ready (see ${r.name}.log)`);
    if (!(await fleet.waitLeader(90_000))) throw new Error(`no leader among the replicas of ${s.label}`);
  } catch (e) {
    await closeCase(ctx);
    throw e;
  }
  return ctx;
}

export async function closeCase(ctx: CaseContext): Promise<void> {
  await ctx.fleet.close();
  await ctx.observer.stop();
}

/** Waits until all N are Ready and some replica leads; the time that took, or undefined on timeout. */
export async function timeToAllReady(ctx: CaseContext, timeoutMs: number, since = Date.now()): Promise<number | undefined> {
  const done = await pollUntil(async () => ctx.observer.readyCount() >= ctx.n && (await ctx.fleet.leaders()).length > 0, timeoutMs, 500);
  return done ? Date.now() - since : undefined;
}

/** Resolves once at least `count` Certificates are Ready (false on timeout). */
export async function untilReady(ctx: CaseContext, count: number, timeoutMs: number): Promise<boolean> {
  return (await pollUntil(() => ctx.observer.readyCount() >= count, timeoutMs, 200)) === true;
}
