// What every verb gets: a client, the namespace by kubectl's rules, the output format, the
// clock, and writers for stdout/stderr (so tests and the entry point decide where text goes).
import { stringify } from "yaml";
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { OutputFormat } from "./args.ts";

/** A failure the user can act on; exitCode 1 unless said otherwise. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface Ctx {
  client: KubeClient;
  namespace: string;
  allNamespaces: boolean;
  output: OutputFormat | undefined;
  positionals: string[];
  flags: Map<string, string>;
  clock: Clock;
  out(text: string): void;
  err(text: string): void;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface HistoryEntry {
  serialNumber: string;
  notBefore?: string;
  notAfter: string;
  issuedAt?: string;
  state: string;
  revocationReason?: string;
  revision?: number;
}

export interface CertificateObject extends KubeObject {
  spec: {
    type: string;
    secretName: string;
    raProfileRef: { name: string; kind?: string };
    renewalRequest?: { id: string; rekey?: boolean };
    revocation?: { reason?: string };
    [k: string]: unknown;
  };
  status?: {
    conditions?: Condition[];
    serialNumber?: string;
    revision?: number;
    notAfter?: string;
    renewalTime?: string;
    lastRenewalRequestId?: string;
    history?: HistoryEntry[];
    [k: string]: unknown;
  };
}

export function conditionOf(c: { status?: { conditions?: Condition[] } }, type: string): Condition | undefined {
  return c.status?.conditions?.find((x) => x.type === type);
}

/** The one positional a verb needs, or a usage error naming it. */
export function nameArg(ctx: Ctx, verb: string, what = "NAME"): string {
  const [name, ...rest] = ctx.positionals;
  if (!name) throw new CliError(`${verb} needs ${what}: kubectl certwright ${verb} ${what}`, 2);
  if (rest.length) throw new CliError(`${verb} takes one ${what}, got ${ctx.positionals.length}: ${ctx.positionals.join(" ")}`, 2);
  return name;
}

export async function getCertificate(ctx: Ctx, name: string): Promise<CertificateObject> {
  try {
    return await ctx.client.get<CertificateObject>(CERTIFICATES, ctx.namespace, name);
  } catch (e) {
    if (isNotFound(e)) throw new CliError(`Certificate ${ctx.namespace}/${name} (certificates.certwright.dev) not found`);
    throw e;
  }
}

/** JSON or YAML of a value when -o asks for it; returns false for text output. */
export function printStructured(ctx: Ctx, value: unknown): boolean {
  if (ctx.output === "json") ctx.out(JSON.stringify(value, null, 2) + "\n");
  else if (ctx.output === "yaml") ctx.out(stringify(value));
  else return false;
  return true;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => (c ?? "").padEnd(widths[i]!)).join("   ").trimEnd()).join("\n") + "\n";
}

/** Polls until check returns a value, or fails with a timeout naming what was awaited. */
export async function waitFor<T>(ctx: Ctx, timeoutMs: number, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = ctx.clock.now().getTime() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (ctx.clock.now().getTime() >= deadline) throw new CliError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
    await new Promise<void>((r) => ctx.clock.setTimeout(r, 500));
  }
}
