// Tables for the terminal (and, pasted, for the README): one per case, then a summary.
import type { CaseResult } from "./figures.ts";
import { seconds } from "./wait.ts";

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((v, c) => v.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(rows[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

export function deposedTotal(r: CaseResult): number {
  return r.deposed.reduce((a, d) => a + d.total, 0);
}

export function caseTable(r: CaseResult): string {
  const deposed = r.deposed.filter((d) => d.total > 0 || d.refused > 0);
  const rows: string[][] = [
    ["figure", "value"],
    ["Ready", `${r.ready} / ${r.n}`],
    ["certificates issued twice", `${r.issuedTwice.length}${sample(r.issuedTwice)}`],
    ["inventory holes", `${r.holes.length}${sample(r.holes.map((h) => `${h.certificate} ${h.where} ${h.serial}`))}`],
    ["leader takeovers (audit log; s after the fault)", `${r.deposed.length}${sample(r.deposed.map((d) => `${d.takeover.to} at ${seconds(d.takeover.at - r.faultAt)}`))}`],
    ["writes by a deposed leader", `${deposedTotal(r)}${deposed.length ? ` (${deposed.map(describeDeposed).join("; ")})` : ""}`],
    ["recovery time", r.recoveryMs === undefined ? "did not recover within the timeout" : `${seconds(r.recoveryMs)} s`],
    ["operator processes started", String(r.processes)],
    ["replica exits (not killed by the suite)", `${r.exits.length}${r.exits.length ? ` (${r.exits.map((e) => `${e.name} ${seconds(e.afterMs)} s after the fault, code ${e.code ?? e.signal}: ${e.lastLog || "?"}`).join("; ")})` : ""}`],
    ...r.extra,
  ];
  return `\n${r.label}\n${table(rows)}`;
}

export function summaryTable(results: CaseResult[]): string {
  return table([
    ["case", "Ready", "issued twice", "inventory holes", "deposed-leader writes", "recovery s", "replica exits"],
    ...results.map((r) => [r.label, `${r.ready}/${r.n}`, String(r.issuedTwice.length), String(r.holes.length), String(deposedTotal(r)), seconds(r.recoveryMs), String(r.exits.length)]),
  ]);
}

function describeDeposed(d: CaseResult["deposed"][number]): string {
  const by = [...d.byResource].map(([k, v]) => `${k} ${v}`).join(", ");
  const until = d.lastAfterMs === undefined ? "" : `, the last ${seconds(d.lastAfterMs)} s after the takeover`;
  return `${d.takeover.from} after ${d.takeover.to} took over: ${by || "none"}${d.refused ? `, ${d.refused} refused` : ""}${until}`;
}

function sample(items: string[]): string {
  if (!items.length) return "";
  return ` (${items.slice(0, 5).join(", ")}${items.length > 5 ? ", ..." : ""})`;
}
