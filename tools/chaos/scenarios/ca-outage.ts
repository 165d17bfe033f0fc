// ca-outage: an http-connector (CZERTAINLY v2) RAProfile against the test server on loopback,
// behind a proxy that answers 503 for D seconds once a quarter of N Certificates are Ready.
// Measures the time from the CA's return until all Ready, and the Events written meanwhile.
import type { KubeClient } from "../../../src/kube/client.ts";
import { RA_PROFILES } from "../../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../../src/kube/objects.ts";
import { EVENTS, SECRETS } from "../../../src/kube/resources.ts";
import { encodeSecretData } from "../../../src/kube/secret-store.ts";
import { startCzertainlyServer } from "../../../src/connectors/testing/czertainly-server.ts";
import { writesBetween, readAudit } from "../audit.ts";
import { startCaProxy, type CaProxy } from "../ca-proxy.ts";
import { closeCase, openCase, timeToAllReady, untilReady } from "../case.ts";
import type { ChaosCluster } from "../cluster.ts";
import { computeFigures, type CaseResult } from "../figures.ts";
import { sleep } from "../wait.ts";
import { createCertificates } from "../workload.ts";

const UUID = "0c6f3d2e-8a41-4b7e-9d15-3f2a6e8c9b70";
const TOKEN = "chaos-token";

export async function caOutageScenario(cluster: ChaosCluster, durations: number[], n: number): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const d of durations) results.push(await caOutageCase(cluster, d, n));
  return results;
}

async function caOutageCase(cluster: ChaosCluster, d: number, n: number): Promise<CaseResult> {
  const server = await startCzertainlyServer({ authorityUuid: UUID, token: TOKEN });
  const proxy = await startCaProxy(server.url);
  const id = `ca-${d}`;
  try {
    const ctx = await openCase({ cluster, id, label: `ca-outage: CZERTAINLY answers 503 for ${d} s during ${n} issuances`, n, profile: (c, ns) => httpProfile(c, ns, proxy) });
    try {
      const createdAt = Date.now();
      const creating = createCertificates(ctx.client, ctx.namespace, n, "czertainly");
      await untilReady(ctx, Math.max(1, Math.floor(n / 4)), 10 * 60_000);
      const readyAtFault = ctx.observer.readyCount();
      const faultAt = Date.now();
      proxy.down = true;
      console.log(`ca-outage: CA down at ${readyAtFault} Ready, for ${d} s`);
      await creating;
      await sleep(Math.max(0, faultAt + d * 1000 - Date.now()));
      proxy.down = false;
      const backAt = Date.now();
      const readyAtReturn = ctx.observer.readyCount();
      const recoveryMs = await timeToAllReady(ctx, 20 * 60_000, backAt);
      const during = writesBetween(await readAudit(cluster.auditLog), `${id}-op-`, faultAt, backAt);
      const events = await eventFigures(ctx.client, ctx.namespace);
      return await computeFigures({
        label: ctx.label, client: ctx.client, namespace: ctx.namespace, leaseNamespace: ctx.leaseNamespace, n, observer: ctx.observer,
        fleet: ctx.fleet, auditLog: cluster.auditLog, faultAt, recoveryMs, createdAt, caIssued: proxy.issued,
        extra: [
          ["Ready when the CA went down / when it came back", `${readyAtFault} / ${readyAtReturn}`],
          ["issue requests refused by the CA (503) during the outage", String(proxy.refused)],
          ["Event writes during the outage (create / series patch)", `${during.get("events") ?? 0}`],
          ["Certificate status writes during the outage", `${during.get("certificates/status") ?? 0}`],
          ["Event objects in the namespace afterwards (sum of series counts)", `${events.objects} (${events.count})`],
          ["Events by reason: objects (sum of series counts)", events.reasons],
          ["recovery measured from", "the CA's return"],
        ],
      });
    } finally {
      await closeCase(ctx);
    }
  } finally {
    await proxy.stop();
    await server.stop();
  }
}

async function httpProfile(client: KubeClient, namespace: string, proxy: CaProxy): Promise<void> {
  await client.create<SecretObject>(SECRETS, { metadata: { name: "czertainly-token", namespace }, data: encodeSecretData({ token: TOKEN }) });
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "czertainly", namespace },
    spec: { authority: { type: "http", http: { url: proxy.url, authorityUuid: UUID, tokenSecretRef: { name: "czertainly-token", key: "token" } } } },
  } as KubeObject);
}

interface EventObject extends KubeObject {
  reason?: string;
  series?: { count?: number };
}

async function eventFigures(client: KubeClient, namespace: string): Promise<{ objects: number; count: number; reasons: string }> {
  const items = (await client.list<EventObject>(EVENTS, { namespace })).items;
  const byReason = new Map<string, { objects: number; count: number }>();
  for (const e of items) {
    const r = byReason.get(e.reason ?? "?") ?? { objects: 0, count: 0 };
    byReason.set(e.reason ?? "?", { objects: r.objects + 1, count: r.count + (e.series?.count ?? 1) });
  }
  return {
    objects: items.length,
    count: items.reduce((a, e) => a + (e.series?.count ?? 1), 0),
    reasons: [...byReason].sort((a, b) => b[1].count - a[1].count).map(([r, c]) => `${r} ${c.objects} (${c.count})`).join(", ") || "none",
  };
}
