// apiserver-outage / etcd-outage: two replicas issuing N Certificates; once a quarter are Ready,
// SIGKILL kube-apiserver (or etcd) for D seconds, then start it again on the same port with the
// same args (etcd: the same data dir). Recovery: from the restart until all Ready with a leader.
import { closeCase, openCase, timeToAllReady, untilReady } from "../case.ts";
import type { ChaosCluster } from "../cluster.ts";
import { computeFigures, type CaseResult } from "../figures.ts";
import { seconds, sleep } from "../wait.ts";
import { createCertificates } from "../workload.ts";

export type Component = "apiserver" | "etcd";

export async function outageScenario(cluster: ChaosCluster, component: Component, durations: number[], n: number): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const d of durations) results.push(await outageCase(cluster, component, d, n));
  return results;
}

async function outageCase(cluster: ChaosCluster, component: Component, d: number, n: number): Promise<CaseResult> {
  const binary = component === "apiserver" ? "kube-apiserver" : "etcd";
  const ctx = await openCase({ cluster, id: `${component}-${d}`, label: `${component}-outage: SIGKILL ${binary} for ${d} s during ${n} issuances`, n });
  try {
    const createdAt = Date.now();
    const creating = createCertificates(ctx.client, ctx.namespace, n, "local-ca");
    await untilReady(ctx, Math.max(1, Math.floor(n / 4)), 10 * 60_000);
    const readyAtFault = ctx.observer.readyCount();
    const faultAt = Date.now();
    await (component === "apiserver" ? cluster.killApiServer() : cluster.killEtcd());
    console.log(`${component}-outage: ${binary} killed at ${readyAtFault} Ready; restarting in ${d} s`);
    await sleep(d * 1000);
    const restartAt = Date.now();
    await (component === "apiserver" ? cluster.restartApiServer() : cluster.restartEtcd());
    const backAt = Date.now();
    const leaderAgain = ctx.fleet.waitLeader(15 * 60_000).then((r) => (r ? Date.now() - backAt : undefined));
    console.log(`${component}-outage: ${binary} back after ${seconds(backAt - restartAt)} s of start-up`);
    await creating;
    const recoveryMs = await timeToAllReady(ctx, 15 * 60_000, backAt);
    return await computeFigures({
      label: ctx.label, client: ctx.client, namespace: ctx.namespace, leaseNamespace: ctx.leaseNamespace, n, observer: ctx.observer,
      fleet: ctx.fleet, auditLog: cluster.auditLog, faultAt, recoveryMs, createdAt,
      extra: [
        ["Ready when killed", `${readyAtFault} / ${n}`],
        [`${binary} start-up after the outage`, `${seconds(backAt - restartAt)} s`],
        ["a leader again after the restart", `${seconds(await leaderAgain)} s`],
        ["recovery measured from", `${binary} ready again (${component === "etcd" ? "etcd healthy and " : ""}/readyz 200)`],
      ],
    });
  } finally {
    await closeCase(ctx);
  }
}
