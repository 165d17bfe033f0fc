// kill: two replicas; N Certificates; SIGKILL whichever replica leads at K random points of the
// issuance (a Ready count drawn from the seed, plus up to 2 s drawn from the seed), start a
// replacement each time, and wait for all Ready at the end.
import { closeCase, openCase, timeToAllReady, untilReady } from "../case.ts";
import type { ChaosCluster } from "../cluster.ts";
import { computeFigures, type CaseResult } from "../figures.ts";
import { seconds, sleep } from "../wait.ts";
import { createCertificates } from "../workload.ts";

export interface KillOptions {
  n: number;
  kills: number;
  random: () => number;
}

interface Kill {
  point: number;
  readyAtKill: number;
  takeoverMs: number | undefined;
}

export async function killScenario(cluster: ChaosCluster, o: KillOptions): Promise<CaseResult[]> {
  const ctx = await openCase({ cluster, id: "kill", label: `kill: SIGKILL the leader ${o.kills} times during ${o.n} issuances`, n: o.n });
  try {
    const points = Array.from({ length: o.kills }, () => Math.min(o.n - 1, Math.floor(o.random() * o.n))).sort((a, b) => a - b);
    const delays = points.map(() => Math.floor(o.random() * 2000));
    console.log(`kill: Ready counts at which the leader is killed: ${points.join(" ")}`);
    const faultAt = Date.now();
    const createdAt = faultAt;
    const creating = createCertificates(ctx.client, ctx.namespace, o.n, "local-ca");
    const kills: Kill[] = [];
    let lastKillAt = Date.now();
    for (const [k, point] of points.entries()) {
      await untilReady(ctx, point, 15 * 60_000);
      await sleep(delays[k]!);
      const leader = await ctx.fleet.waitLeader(120_000);
      if (!leader) {
        console.log(`kill ${k + 1}/${o.kills}: skipped, no leader for 120 s`);
        continue;
      }
      const readyAtKill = ctx.observer.readyCount();
      ctx.fleet.kill(leader);
      lastKillAt = Date.now();
      await ctx.fleet.start();
      const next = await ctx.fleet.waitLeader(120_000, leader);
      kills.push({ point, readyAtKill, takeoverMs: next ? Date.now() - lastKillAt : undefined });
      console.log(`kill ${k + 1}/${o.kills}: ${leader.name} at ${readyAtKill} Ready; ${next ? `${next.name} leads after ${seconds(kills.at(-1)!.takeoverMs)} s` : "no new leader within 120 s"}`);
    }
    await creating;
    const recoveryMs = await timeToAllReady(ctx, 15 * 60_000, lastKillAt);
    const takeovers = kills.map((k) => k.takeoverMs).filter((t): t is number => t !== undefined);
    return [await computeFigures({
      label: ctx.label, client: ctx.client, namespace: ctx.namespace, leaseNamespace: ctx.leaseNamespace, n: o.n, observer: ctx.observer,
      fleet: ctx.fleet, auditLog: cluster.auditLog, faultAt, recoveryMs, createdAt,
      extra: [
        ["kills while issuance was under way (Ready < N)", `${kills.filter((k) => k.readyAtKill < o.n).length} / ${kills.length} (of ${o.kills} planned)`],
        ["takeover after a kill (median / max)", takeovers.length ? `${seconds(median(takeovers))} s / ${seconds(Math.max(...takeovers))} s` : "-"],
        ["recovery measured from", "the last kill"],
      ],
    })];
  } finally {
    await closeCase(ctx);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
