// `npm run inventory -- [--sort expiry|name] [--json] [--namespace ns]`: every certificate
// certwright has issued, across namespaces, read from the Certificates' status history.
import { CERTIFICATES } from "../kube/certwright-resources.ts";
import { connect } from "../kube/kubeconfig.ts";
import type { KubeObject } from "../kube/objects.ts";
import { systemClock } from "../runtime/clock.ts";
import { formatTable, inventoryRows, sortRows, type SortKey } from "./inventory-table.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
}

async function main(): Promise<void> {
  const sort = (arg("sort") ?? "expiry") as SortKey;
  if (sort !== "expiry" && sort !== "name") throw new Error("--sort must be expiry or name");
  const { client } = await connect();
  const certs = await client.list<KubeObject>(CERTIFICATES, { namespace: arg("namespace") });
  const now = systemClock.now();
  const rows = sortRows(inventoryRows(certs.items, now), sort);
  process.stdout.write(process.argv.includes("--json") ? JSON.stringify(rows, null, 2) + "\n" : formatTable(rows, now));
}

main().catch((e: unknown) => {
  console.error(`inventory: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
