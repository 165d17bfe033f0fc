// Reads the API server's audit log (writes only, Metadata level): who wrote what, when, with
// which result. Leadership follows from the Lease: each successful Lease write is its holder's,
// so a change of writer is a takeover, and the old writer's later writes are a deposed leader's.
import { readFile } from "node:fs/promises";

export interface AuditWrite {
  user: string;
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
  /** When the API server finished the request (ms since epoch). */
  at: number;
}

interface RawEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  stageTimestamp?: string;
}

export async function readAudit(path: string): Promise<AuditWrite[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  const out: AuditWrite[] = [];
  for (const line of text.split("\n")) {
    const e = parseLine(line);
    if (e?.stage === "ResponseComplete" || e?.stage === "Panic") out.push(toWrite(e));
  }
  return out.sort((a, b) => a.at - b.at);
}

function parseLine(line: string): RawEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    return JSON.parse(line) as RawEvent;
  } catch {
    return undefined; // a line cut short by SIGKILL of the API server
  }
}

function toWrite(e: RawEvent): AuditWrite {
  const o = e.objectRef ?? {};
  return {
    user: e.user?.username ?? "?", verb: e.verb ?? "?", resource: o.resource ?? "?", subresource: o.subresource,
    namespace: o.namespace, name: o.name, code: e.responseStatus?.code ?? 0, at: Date.parse(e.stageTimestamp ?? ""),
  };
}

export const succeeded = (w: AuditWrite): boolean => w.code >= 200 && w.code < 300;

export interface Takeover {
  from: string;
  to: string;
  /** The new holder's first successful Lease write. */
  at: number;
}

export function takeovers(writes: AuditWrite[], leaseNamespace: string): Takeover[] {
  const out: Takeover[] = [];
  let holder: string | undefined;
  for (const w of writes) {
    if (w.resource !== "leases" || w.namespace !== leaseNamespace || !succeeded(w)) continue;
    if (holder !== undefined && w.user !== holder) out.push({ from: holder, to: w.user, at: w.at });
    holder = w.user;
  }
  return out;
}

export interface DeposedWrites {
  takeover: Takeover;
  /** Successful writes by the old holder after the takeover, by resource (leases excluded). */
  byResource: Map<string, number>;
  total: number;
  /** Writes the API server refused (409 conflicts and such): attempts, not effects. */
  refused: number;
  /** ms from the takeover to the deposed holder's last successful write. */
  lastAfterMs: number | undefined;
}

/** Writes by each deposed holder after its takeover, until it holds the Lease again (if ever). */
export function deposedWrites(writes: AuditWrite[], leaseNamespace: string): DeposedWrites[] {
  const leaseWrites = writes.filter((w) => w.resource === "leases" && w.namespace === leaseNamespace && succeeded(w));
  return takeovers(writes, leaseNamespace).map((t) => {
    const regained = leaseWrites.find((w) => w.user === t.from && w.at > t.at)?.at ?? Infinity;
    const byResource = new Map<string, number>();
    let refused = 0;
    let last: number | undefined;
    for (const w of writes) {
      if (w.user !== t.from || w.at <= t.at || w.at >= regained || w.resource === "leases") continue;
      if (!succeeded(w)) {
        refused++;
        continue;
      }
      const key = w.subresource ? `${w.resource}/${w.subresource}` : w.resource;
      byResource.set(key, (byResource.get(key) ?? 0) + 1);
      last = w.at - t.at;
    }
    return { takeover: t, byResource, total: [...byResource.values()].reduce((a, b) => a + b, 0), refused, lastAfterMs: last };
  });
}

/** Successful writes by users matching prefix in [from, to), grouped by resource. */
export function writesBetween(writes: AuditWrite[], userPrefix: string, from: number, to: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of writes) {
    if (!w.user.startsWith(userPrefix) || w.at < from || w.at >= to || !succeeded(w)) continue;
    const key = w.subresource ? `${w.resource}/${w.subresource}` : w.resource;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}
