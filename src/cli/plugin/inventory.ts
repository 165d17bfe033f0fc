// `inventory`: every certificate ever issued for the Certificates in scope, from their status
// history (the table of src/cli/inventory-table.ts), sortable, as text, JSON or YAML.
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { formatTable, inventoryRows, sortRows, type SortKey } from "../inventory-table.ts";
import { CliError, printStructured, type Ctx } from "./context.ts";

export async function inventoryVerb(ctx: Ctx): Promise<number> {
  if (ctx.positionals.length) throw new CliError(`inventory takes no arguments, got ${ctx.positionals.join(" ")}`, 2);
  const sort = ctx.flags.get("sort") ?? "expiry";
  if (sort !== "expiry" && sort !== "name") throw new CliError(`--sort must be expiry or name, not ${JSON.stringify(sort)}`, 2);
  const certs = await ctx.client.list<KubeObject>(CERTIFICATES, { namespace: ctx.allNamespaces ? undefined : ctx.namespace });
  const now = ctx.clock.now();
  const rows = sortRows(inventoryRows(certs.items, now), sort satisfies SortKey);
  if (printStructured(ctx, rows)) return 0;
  ctx.out(rows.length ? formatTable(rows, now) : `No certificates issued in ${ctx.allNamespaces ? "any namespace" : `namespace ${ctx.namespace}`}.\n`);
  return 0;
}
