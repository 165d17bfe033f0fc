// The certificate inventory as rows: one per certificate ever issued for a Certificate resource
// (its status.history), across namespaces. Pure, so the CLI stays a thin shell.
export interface InventoryRow {
  namespace: string;
  name: string;
  type: string;
  profile: string;
  serialNumber: string;
  notAfter: string;
  state: string;
  revocationReason?: string;
}

interface CertLike {
  metadata: { namespace?: string; name?: string };
  spec?: { type?: string; raProfileRef?: { name?: string; kind?: string } };
  status?: {
    history?: { serialNumber: string; notAfter: string; state: string; revocationReason?: string }[];
  };
}

export function inventoryRows(certs: readonly CertLike[], now: Date): InventoryRow[] {
  return certs.flatMap((c) =>
    (c.status?.history ?? []).map((h) => ({
      namespace: c.metadata.namespace ?? "",
      name: c.metadata.name ?? "",
      type: c.spec?.type ?? "",
      profile: `${c.spec?.raProfileRef?.kind ?? "RAProfile"}/${c.spec?.raProfileRef?.name ?? ""}`,
      serialNumber: h.serialNumber,
      notAfter: h.notAfter,
      // history is updated when the Certificate is reconciled; the clock may have moved on since.
      state: h.state !== "revoked" && new Date(h.notAfter) <= now ? "expired" : h.state,
      revocationReason: h.revocationReason,
    })),
  );
}

export type SortKey = "expiry" | "name";

export function sortRows(rows: InventoryRow[], by: SortKey): InventoryRow[] {
  const key = (r: InventoryRow) => (by === "expiry" ? r.notAfter : `${r.namespace}/${r.name}/${r.notAfter}`);
  return [...rows].sort((a, b) => key(a).localeCompare(key(b)));
}

export function expiresIn(notAfter: string, now: Date): string {
  const ms = new Date(notAfter).getTime() - now.getTime();
  const days = Math.floor(Math.abs(ms) / 86_400_000);
  const hours = Math.floor((Math.abs(ms) % 86_400_000) / 3_600_000);
  const span = days > 0 ? `${days}d${hours}h` : `${hours}h`;
  return ms < 0 ? `-${span}` : span;
}

export function formatTable(rows: InventoryRow[], now: Date): string {
  const header = ["NAMESPACE", "NAME", "TYPE", "PROFILE", "SERIAL", "EXPIRES IN", "STATE"];
  const body = rows.map((r) => [
    r.namespace, r.name, r.type, r.profile, r.serialNumber, expiresIn(r.notAfter, now),
    r.revocationReason ? `${r.state} (${r.revocationReason})` : r.state,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}
