// Small arithmetic and formatting for the bench printout.
import type { AuditWrite } from "../chaos/audit.ts";

export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const mib = (bytes: number | undefined): string => (bytes === undefined ? "-" : `${(bytes / 1048576).toFixed(0)} MiB`);
export const secs = (ms: number | undefined): string => (ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`);

/** Writes by "verb resource[/subresource]", most frequent first. */
export function writesByKind(writes: readonly AuditWrite[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const w of writes) {
    const k = `${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ""}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

export function formatWrites(writes: readonly AuditWrite[], per: number): string {
  const rows = writesByKind(writes);
  const total = writes.length;
  const detail = rows.map(([k, v]) => `${k}=${(v / per).toFixed(2)}`).join(", ");
  return `${(total / per).toFixed(2)} per certificate (${total} in all): ${detail || "none"}`;
}
