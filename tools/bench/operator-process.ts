// The operator under test as a process of its own (`node src/main.ts`), so its CPU and memory
// are its own; its /metrics is read for reconcile counts, writes and event-loop delay.
import { fileURLToPath } from "node:url";
import type { ChaosCluster } from "../chaos/cluster.ts";
import { pollUntil } from "../chaos/wait.ts";
import { freePort, type Managed } from "../control-plane/processes.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

export interface OperatorProcess {
  name: string;
  pid: number;
  proc: Managed;
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startOperatorProcess(cluster: ChaosCluster, name: string, namespace: string, workers: number | undefined, nodeFlags: string[] = []): Promise<OperatorProcess> {
  const kubeconfig = await cluster.kubeconfigFor(name);
  const port = await freePort();
  const args = [...nodeFlags, MAIN, "--kubeconfig", kubeconfig, "--namespace", namespace, "--cluster-resource-namespace", namespace,
    "--leader-election-namespace", namespace, "--metrics-port", String(port), "--metrics-host", "127.0.0.1", "--log-level", "warn", "--public-port", "0", "--public-host", "127.0.0.1", "--acme-http01-port", "0"];
  if (workers !== undefined) args.push("--workers", String(workers));
  const proc = await cluster.spawn(name, process.execPath, args);
  const base = `http://127.0.0.1:${port}`;
  const ready = await pollUntil(async () => (await fetch(`${base}/readyz`)).ok, 120_000, 100);
  if (!ready) throw new Error(`${name} did not become ready (log: ${cluster.info.dir}/${name}.log)`);
  return {
    name,
    pid: proc.child.pid!,
    proc,
    metrics: async () => parseMetrics(await (await fetch(`${base}/metrics`)).text()),
    stop: async () => {
      proc.child.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Prometheus text format to `name{labels}` -> value (label order as exported). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** The sum of every series of one metric whose labels contain all of `having`. */
export function sumOf(m: Map<string, number>, metric: string, ...having: string[]): number {
  let total = 0;
  for (const [k, v] of m) if ((k === metric || k.startsWith(`${metric}{`)) && having.every((h) => k.includes(h))) total += v;
  return total;
}
