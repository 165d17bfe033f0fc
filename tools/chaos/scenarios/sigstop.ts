// sigstop: two replicas issuing N Certificates; once a quarter are Ready, SIGSTOP the leader for
// longer than its lease so the other takes over, then SIGCONT it. The deposed leader wakes up
// with its timers and requests where they were: the audit log shows what it writes after that.
import { closeCase, openCase, timeToAllReady, untilReady } from "../case.ts";
import type { ChaosCluster } from "../cluster.ts";
import { readAudit, takeovers } from "../audit.ts";
import { computeFigures, type CaseResult } from "../figures.ts";
import { leaderGauge } from "../fleet.ts";
import { pollUntil, seconds, sleep } from "../wait.ts";
import { createCertificates } from "../workload.ts";

export async function sigstopScenario(cluster: ChaosCluster, n: number, stopSeconds: number): Promise<CaseResult[]> {
  const ctx = await openCase({ cluster, id: "sigstop", label: `sigstop: SIGSTOP the leader for ${stopSeconds} s (lease 15 s) during ${n} issuances`, n });
  try {
    const createdAt = Date.now();
    const creating = createCertificates(ctx.client, ctx.namespace, n, "local-ca");
    await untilReady(ctx, Math.max(1, Math.floor(n / 4)), 10 * 60_000);
    const leader = await ctx.fleet.waitLeader(120_000);
    if (!leader) throw new Error("sigstop: no leader");
    const readyAtFault = ctx.observer.readyCount();
    const faultAt = Date.now();
    ctx.fleet.signal(leader, "SIGSTOP");
    console.log(`sigstop: ${leader.name} stopped at ${readyAtFault} Ready`);
    // On a loaded machine the takeover can come late: stay stopped until it has happened (at most 60 s more).
    const next = await ctx.fleet.waitLeader(stopSeconds * 1000 + 60_000, leader);
    await sleep(Math.max(0, faultAt + stopSeconds * 1000 - Date.now()));
    ctx.fleet.signal(leader, "SIGCONT");
    const contAt = Date.now();
    const takeover = takeovers(await readAudit(cluster.auditLog), ctx.leaseNamespace).find((t) => t.from === leader.name && t.at > faultAt);
    // Does the woken replica still say it leads, next to the new leader?
    const claimed = await pollUntil(async () => ((await leaderGauge(leader.port)) === 1 ? true : undefined), 5_000, 100);
    await creating;
    const recoveryMs = await timeToAllReady(ctx, 15 * 60_000, contAt);
    const fate = leader.exit ? `exited ${seconds(leader.exit.at - contAt)} s after SIGCONT (code ${leader.exit.code ?? leader.exit.signal})` : "still running";
    return [await computeFigures({
      label: ctx.label, client: ctx.client, namespace: ctx.namespace, leaseNamespace: ctx.leaseNamespace, n, observer: ctx.observer,
      fleet: ctx.fleet, auditLog: cluster.auditLog, faultAt, recoveryMs, createdAt,
      extra: [
        ["Ready when stopped", `${readyAtFault} / ${n}`],
        ["stopped for", `${seconds(contAt - faultAt)} s`],
        ["takeover after SIGSTOP (new leader's first Lease write)", takeover ? `${seconds(takeover.at - faultAt)} s by ${takeover.to}` : `none before SIGCONT${next ? "" : " (no leader seen)"}`],
        ["deposed leader reported certwright_leader 1 after SIGCONT", claimed ? "yes" : "no"],
        ["deposed leader after SIGCONT", fate],
        ["recovery measured from", "SIGCONT"],
      ],
    })];
  } finally {
    await closeCase(ctx);
  }
}
