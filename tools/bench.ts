// `npm run bench -- [--n 1000] [--key ecdsa|rsa|ed25519] [--workers N] [--no-restart]`: what users
// of an operator care about, measured on a real control plane with the operator as a process of
// its own: time to all Ready, create-to-Ready latency, throughput, the operator's CPU and memory,
// event-loop delay, API writes per certificate as the API server's audit log counts them, and a
// restart over the Ready set. Numbers, not assertions: tests stay deterministic, this measures.
import { readdir, stat } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { CERTIFICATES } from "../src/kube/certwright-resources.ts";
import type { KubeObject } from "../src/kube/objects.ts";
import { NAMESPACES } from "../src/kube/resources.ts";
import type { KeySpec } from "../src/pki/keys.ts";
import { formatWrites, mib, quantile, secs } from "./bench/figures.ts";
import { keysPerSecond, msPerKey } from "./bench/keygen.ts";
import { startOperatorProcess, sumOf, type OperatorProcess } from "./bench/operator-process.ts";
import { KEY_SPECS, parseBenchOptions, type BenchOptions } from "./bench/options.ts";
import { ProcessWatch } from "./bench/process-stats.ts";
import { ReadinessWatch } from "./bench/readiness.ts";
import { readAudit } from "./chaos/audit.ts";
import { startChaosCluster, type ChaosCluster } from "./chaos/cluster.ts";
import { pollUntil, sleep } from "./chaos/wait.ts";
import { applyExampleFiles } from "./examples.ts";

const NS = "bench";
const CREATE_CONCURRENCY = 64;

async function keyGenerationTable(): Promise<void> {
  const specs: [string, KeySpec, number][] = [
    ["ECDSA P-256", { algorithm: "ECDSA", size: 256 }, 200],
    ["Ed25519", { algorithm: "Ed25519" }, 200],
    ["RSA 2048", { algorithm: "RSA", size: 2048 }, 10],
  ];
  for (const [name, spec, n] of specs) console.log(`key generation ${name.padEnd(12)} ${(await msPerKey(spec, n)).toFixed(2)} ms/key (one at a time)`);
}

async function createAll(cluster: ChaosCluster, o: BenchOptions): Promise<Map<string, number>> {
  const createdAt = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      for (let i = next++; i < o.n; i = next++) {
        const name = `b${i}`;
        createdAt.set(name, performance.now());
        await cluster.admin.create<KubeObject>(CERTIFICATES, {
          metadata: { name, namespace: NS },
          spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: KEY_SPECS[o.key].spec },
        } as KubeObject);
      }
    }),
  );
  return createdAt;
}

/** Resolves when the operator's writes and reconciles have not moved for `quietMs`. */
async function settled(op: OperatorProcess, quietMs: number, timeoutMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  let last = "";
  let since = performance.now();
  const done = await pollUntil(async () => {
    const m = await op.metrics();
    const now = `${sumOf(m, "certwright_api_writes_total")}/${sumOf(m, "certwright_controller_reconcile_total")}`;
    if (now !== last) [last, since] = [now, performance.now()];
    return performance.now() - since >= quietMs;
  }, timeoutMs, 250);
  return done ? since - t0 : undefined;
}

/** The worst per-second p99 of the operator's event-loop delay while `until` runs. */
async function worstLoopDelay<T>(op: OperatorProcess, until: Promise<T>): Promise<{ result: T; p99Ms: number }> {
  let worst = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const m = await op.metrics().catch(() => new Map<string, number>());
      worst = Math.max(worst, m.get('certwright_event_loop_delay_seconds{quantile="0.99"}') ?? 0);
      await sleep(1000);
    }
  })();
  const result = await until;
  running = false;
  await sampler;
  return { result, p99Ms: worst * 1000 };
}

/** The operator's V8 heap and off-heap (external, array buffers) memory, from its own /metrics. */
async function heapFigures(op: OperatorProcess): Promise<string> {
  const m = await op.metrics();
  const get = (k: string) => mib(m.get(k));
  return `heap used ${get("nodejs_heap_size_used_bytes")} of ${get("nodejs_heap_size_total_bytes")}, external ${get("nodejs_external_memory_bytes")}`;
}

const snapshotFlags = (o: BenchOptions): string[] => (o.heapSnapshotDir ? [`--diagnostic-dir=${o.heapSnapshotDir}`, "--heapsnapshot-signal=SIGUSR2"] : []);

/** Asks the operator for a heap snapshot (SIGUSR2) and waits until the file is complete. */
async function heapSnapshot(op: OperatorProcess, dir: string): Promise<void> {
  const before = new Set(await readdir(dir));
  process.kill(op.pid, "SIGUSR2");
  let file: string | undefined;
  let lastSize = -1;
  await pollUntil(async () => {
    file ??= (await readdir(dir)).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    if (!file) return false;
    const size = (await stat(join(dir, file))).size;
    const done = size === lastSize && size > 0;
    lastSize = size;
    return done;
  }, 300_000, 2000);
  console.log(`heap snapshot: ${file ? join(dir, file) : "none written"}`);
}

async function operatorWrites(cluster: ChaosCluster, user: string) {
  const mine = (await readAudit(cluster.auditLog)).filter((w) => w.user === user && w.code < 400);
  return { certificates: mine.filter((w) => w.resource !== "leases"), lease: mine.filter((w) => w.resource === "leases") };
}

async function burst(cluster: ChaosCluster, o: BenchOptions, op: OperatorProcess): Promise<void> {
  const watch = new ReadinessWatch(cluster.admin, NS);
  await watch.start();
  const stats = new ProcessWatch(op.pid);
  const idle = await stats.sample();
  const t0 = performance.now();
  const createdAt = await createAll(cluster, o);
  const { result: allReady, p99Ms } = await worstLoopDelay(op, watch.waitFor(o.n, Math.max(600_000, o.n * 300)));
  const total = performance.now() - t0;
  const busy = await stats.sample();
  await watch.stop();
  const latencies = [...watch.readyAt].map(([name, at]) => at - (createdAt.get(name) ?? t0)).sort((a, b) => a - b);
  const label = KEY_SPECS[o.key].label;
  console.log(`${allReady ? "all" : "NOT all"} ${o.n} ${label} certificates Ready in ${secs(total)} (${((watch.readyAt.size / total) * 1000).toFixed(1)}/s)`);
  console.log(`create to Ready: p50 ${secs(quantile(latencies, 0.5))}, p99 ${secs(quantile(latencies, 0.99))}, max ${secs(latencies.at(-1))}`);
  console.log(`operator CPU during the burst: ${((busy?.cpuSeconds ?? 0) - (idle?.cpuSeconds ?? 0)).toFixed(1)} s; event-loop delay p99 (worst second): ${p99Ms.toFixed(0)} ms`);
  const quiet = await settled(op, 5000, 300_000);
  const rest = await stats.sample();
  stats.stop();
  console.log(`operator RSS: peak ${mib(stats.peakRssBytes)}, settled ${mib(rest?.rssBytes)} (settled ${quiet === undefined ? "never, within 300 s" : `${secs(quiet)} after Ready`}); ${await heapFigures(op)}`);
  if (o.heapSnapshotDir) await heapSnapshot(op, o.heapSnapshotDir);
  const w = await operatorWrites(cluster, op.name);
  console.log(`API writes (audit log): ${formatWrites(w.certificates, o.n)}; Lease ${w.lease.length}`);
  const statusWrites = w.certificates.filter((x) => x.resource === "certificates" && x.subresource === "status").length;
  console.log(`status writes per issuance: ${(statusWrites / o.n).toFixed(2)} (${statusWrites} status writes for ${o.n} issuances, after the operator settled)`);
  if (o.key === "rsa") {
    const limit = await keysPerSecond({ algorithm: "RSA", size: 2048 }, 40);
    const rate = (watch.readyAt.size / total) * 1000;
    console.log(`RSA 2048 key-generation limit of this machine: ${limit.toFixed(1)} keys/s; issuance ran at ${((rate / limit) * 100).toFixed(0)} % of it`);
  }
}

async function restart(cluster: ChaosCluster, o: BenchOptions, old: OperatorProcess): Promise<void> {
  await old.stop();
  const t0 = performance.now();
  const op = await startOperatorProcess(cluster, "bench-op-2", NS, o.workers, snapshotFlags(o));
  const ready = performance.now() - t0;
  const stats = new ProcessWatch(op.pid);
  const verified = await pollUntil(async () => sumOf(await op.metrics(), "certwright_controller_reconcile_total", 'controller="certificate"') >= o.n, 600_000, 250);
  const allVerified = performance.now() - t0;
  const quiet = await settled(op, 5000, 300_000);
  const rest = await stats.sample();
  stats.stop();
  const w = await operatorWrites(cluster, op.name);
  console.log(`restart over ${o.n} Ready: /readyz after ${secs(ready)}, every Certificate reconciled after ${verified ? secs(allVerified) : "never (600 s)"}, settled after ${quiet === undefined ? "-" : secs(allVerified + quiet)}; RSS ${mib(rest?.rssBytes)} (peak ${mib(stats.peakRssBytes)}); ${await heapFigures(op)}`);
  console.log(`restart writes (audit log): ${w.certificates.length} (${formatWrites(w.certificates, o.n)}); Lease ${w.lease.length}`);
  if (o.heapSnapshotDir) await heapSnapshot(op, o.heapSnapshotDir);
  await op.stop();
}

const o = parseBenchOptions(process.argv.slice(2));
console.log(`bench ${new Date().toISOString()}: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${mib(totalmem())}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, Node ${process.version}`);
await keyGenerationTable();
const cluster = await startChaosCluster();
try {
  await cluster.admin.create<KubeObject>(NAMESPACES, { metadata: { name: NS } });
  await applyExampleFiles(cluster.admin, NS, fileURLToPath(new URL("../examples", import.meta.url)), ["00-ra-profile-local.yaml"]);
  const op = await startOperatorProcess(cluster, "bench-op-1", NS, o.workers, snapshotFlags(o));
  await burst(cluster, o, op);
  if (o.restart) await restart(cluster, o, op);
  else await op.stop();
} finally {
  await cluster.stop();
}
