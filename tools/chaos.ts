// `npm run chaos`: fault injection against a real control plane (etcd + kube-apiserver) and real
// operator processes. Prints figures per scenario (Ready count, certificates issued twice,
// inventory holes, writes by a deposed leader, recovery time) and a summary. It reports and does
// not assert: the exit code is non-zero only when the harness itself failed.
import { cpus, hostname, loadavg } from "node:os";
import { binaryVersions, resolveBinaries } from "./control-plane/binaries.ts";
import { startChaosCluster, type ChaosCluster } from "./chaos/cluster.ts";
import type { CaseResult } from "./chaos/figures.ts";
import { parseOptions, seededRandom, type ChaosOptions, type ScenarioName } from "./chaos/options.ts";
import { caseTable, summaryTable } from "./chaos/report.ts";
import { caOutageScenario } from "./chaos/scenarios/ca-outage.ts";
import { killScenario } from "./chaos/scenarios/kill.ts";
import { outageScenario } from "./chaos/scenarios/outage.ts";
import { sigstopScenario } from "./chaos/scenarios/sigstop.ts";

let current: ChaosCluster | undefined;

function run(name: ScenarioName, cluster: ChaosCluster, o: ChaosOptions): Promise<CaseResult[]> {
  switch (name) {
    case "kill":
      return killScenario(cluster, { n: o.n, kills: o.kills, random: seededRandom(o.seed) });
    case "apiserver-outage":
      return outageScenario(cluster, "apiserver", o.outageSeconds ?? [10, 60], o.n);
    case "etcd-outage":
      return outageScenario(cluster, "etcd", o.outageSeconds ?? [10, 60], o.n);
    case "sigstop":
      return sigstopScenario(cluster, o.n, o.stopSeconds);
    case "ca-outage":
      return caOutageScenario(cluster, o.outageSeconds ?? [180], o.n);
  }
}

async function header(o: ChaosOptions): Promise<void> {
  const v = await binaryVersions(await resolveBinaries("control-plane"));
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`certwright chaos: ${new Date().toISOString()} on ${hostname()} (${cpus().length} x ${cpus()[0]?.model.trim() ?? "?"}), load average ${load}`);
  console.log(`node ${process.version}, kube-apiserver ${v.kubeApiserver}, etcd ${v.etcd}`);
  console.log(`scenarios ${o.scenarios.join(",")}; n=${o.n}; kills=${o.kills}; outage-seconds=${o.outageSeconds?.join(",") ?? "default"}; stop-seconds=${o.stopSeconds}; seed=${o.seed}`);
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  await header(o);
  const results: CaseResult[] = [];
  const failures: string[] = [];
  for (const name of o.scenarios) {
    const started = Date.now();
    try {
      current = await startChaosCluster();
      for (const r of await run(name, current, o)) {
        results.push(r);
        console.log(caseTable(r));
      }
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      console.error(`chaos: scenario ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    } finally {
      await current?.stop();
      current = undefined;
      console.log(`(${name} took ${Math.round((Date.now() - started) / 1000)} s)`);
    }
  }
  console.log(`\nsummary (seed ${o.seed}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n${summaryTable(results)}`);
  for (const f of failures) console.log(`harness failure: ${f}`);
  return failures.length ? 1 : 0;
}

// Ctrl-C: kill every process we started and remove the temp dir (the watchdog covers SIGKILL of us).
process.once("SIGINT", () => {
  console.error("chaos: interrupted; cleaning up");
  void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`chaos: ${e instanceof Error ? e.message : String(e)}`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(2));
  },
);
