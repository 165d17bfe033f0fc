// The figures of one case, computed from the cluster afterwards (Certificates, Secrets), from
// what was watched during the run, from the CA's issued list when the CA is ours, and from
// the audit log. Reports, never asserts.
import type { KubeClient } from "../../src/kube/client.ts";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import type { SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { normalizeSerial } from "../../src/pki/serial.ts";
import { deposedWrites, readAudit, type DeposedWrites } from "./audit.ts";
import type { Fleet } from "./fleet.ts";
import { seconds } from "./wait.ts";
import { isReady, type CertObject, type Observer } from "./observe.ts";

export interface CaseResult {
  label: string;
  n: number;
  ready: number;
  /** Certificates with more than one issuance where one was asked. */
  issuedTwice: string[];
  /** Serials seen in a Secret or issued by the CA that the Certificate's status.history lacks. */
  holes: { certificate: string; serial: string; where: string }[];
  deposed: DeposedWrites[];
  /** From the end of the fault until all Ready and a leader exists; undefined when never. */
  recoveryMs: number | undefined;
  /** When the fault began (ms since epoch): times in the tables count from it. */
  faultAt: number;
  exits: { name: string; afterMs: number; code: number | null; signal: string | null; lastLog: string }[];
  processes: number;
  /** Scenario-specific figures, printed as they are. */
  extra: [string, string][];
}

export interface FigureInputs {
  label: string;
  client: KubeClient;
  namespace: string;
  leaseNamespace: string;
  n: number;
  observer: Observer;
  fleet: Fleet;
  auditLog: string;
  /** When the fault began: exit times are reported relative to it. */
  faultAt: number;
  recoveryMs: number | undefined;
  /** When the first Certificate was created: the whole run's time to all Ready counts from it. */
  createdAt: number;
  /** dnsName -> serials the CA issued for it, when the CA keeps such a list. */
  caIssued?: Map<string, string[]>;
  extra?: [string, string][];
}

export async function computeFigures(i: FigureInputs): Promise<CaseResult> {
  const certs = (await i.client.list<CertObject>(CERTIFICATES, { namespace: i.namespace })).items;
  for (const s of (await i.client.list<SecretObject>(SECRETS, { namespace: i.namespace })).items) i.observer.seeSecret(s);
  const issuedTwice: string[] = [];
  const holes: CaseResult["holes"] = [];
  for (const c of certs) {
    const f = certificateFigures(c, i.observer.secretSerials.get(c.spec.secretName) ?? [], (c.spec.dnsNames ?? []).flatMap((d) => i.caIssued?.get(d) ?? []));
    if (f.twice) issuedTwice.push(c.metadata.name ?? "?");
    holes.push(...f.holes);
  }
  const audit = await readAudit(i.auditLog);
  return {
    label: i.label,
    n: i.n,
    ready: certs.filter(isReady).length,
    issuedTwice,
    holes,
    deposed: deposedWrites(audit, i.leaseNamespace),
    recoveryMs: i.recoveryMs,
    faultAt: i.faultAt,
    exits: i.fleet.unexpectedExits().map((r) => ({ name: r.name, afterMs: (r.exit?.at ?? 0) - i.faultAt, code: r.exit?.code ?? null, signal: r.exit?.signal ?? null, lastLog: r.exit?.lastLog ?? "" })),
    processes: i.fleet.replicas.length,
    extra: [["all Ready, from the first create", i.recoveryMs === undefined ? "never" : `${seconds(Date.now() - i.createdAt)} s`], ...(i.extra ?? [])],
  };
}

/** Issued twice: more than one issuance recorded, seen in the Secret, or handed out by the CA. */
function certificateFigures(c: CertObject, inSecret: string[], atCa: string[]): { twice: boolean; holes: CaseResult["holes"] } {
  const name = c.metadata.name ?? "?";
  const s = c.status ?? {};
  const known = new Set([...(s.history ?? []).map((h) => norm(h.serialNumber)), ...(s.serialNumber ? [norm(s.serialNumber)] : [])]);
  const fromCa = [...new Set(atCa)];
  const twice = (s.revision ?? 0) > 1 || (s.history?.length ?? 0) > 1 || inSecret.length > 1 || fromCa.length > 1;
  const holes = [
    ...inSecret.filter((x) => !known.has(x)).map((serial) => ({ certificate: name, serial, where: "Secret" })),
    ...fromCa.filter((x) => !known.has(x)).map((serial) => ({ certificate: name, serial, where: "CA" })),
  ];
  return { twice, holes };
}

function norm(serial: string): string {
  try {
    return normalizeSerial(serial);
  } catch {
    return serial.toLowerCase();
  }
}
