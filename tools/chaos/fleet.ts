// Operator replicas as real processes (`node src/main.ts`), each with its own client identity.
// A replica that exits on its own is recorded (an exit is a finding) and replaced after 10 s,
// the kubelet's first restart back-off, so the run goes on the way a Deployment would.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type Managed } from "../control-plane/processes.ts";
import type { ChaosCluster } from "./cluster.ts";
import { pollUntil, sleep } from "./wait.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const RESTART_DELAY_MS = 10_000;
const MAX_REPLICAS = 60;

export interface Replica {
  /** Also its API user name (CN of its client certificate) and its log file name. */
  name: string;
  port: number;
  proc: Managed;
  startedAt: number;
  /** Set when we SIGKILLed it: that exit is the experiment, not a finding. */
  killedByUs: boolean;
  /** Between our SIGSTOP and SIGCONT: not asked for metrics (it cannot answer). */
  stopped?: boolean;
  exit?: { at: number; code: number | null; signal: string | null; lastLog: string };
}

export interface FleetOptions {
  cluster: ChaosCluster;
  /** Namespace watched, and where the RAProfile keeps its CA. */
  namespace: string;
  leaseNamespace: string;
  label: string;
}

export class Fleet {
  readonly replicas: Replica[] = [];
  private readonly o: FleetOptions;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(o: FleetOptions) {
    this.o = o;
  }

  async start(): Promise<Replica> {
    if (this.replicas.length >= MAX_REPLICAS) throw new Error(`more than ${MAX_REPLICAS} operator processes in ${this.o.label}`);
    const name = `${this.o.label}-op-${this.replicas.length + 1}`;
    const kubeconfig = await this.o.cluster.kubeconfigFor(name);
    const port = await freePort();
    const proc = await this.o.cluster.spawn(name, process.execPath, [
      MAIN, "--kubeconfig", kubeconfig, "--namespace", this.o.namespace, "--cluster-resource-namespace", this.o.namespace,
      "--leader-election-namespace", this.o.leaseNamespace, "--metrics-port", String(port), "--metrics-host", "127.0.0.1", "--public-port", "0", "--public-host", "127.0.0.1", "--acme-http01-port", "0", "--log-level", "warn",
    ]);
    const r: Replica = { name, port, proc, startedAt: Date.now(), killedByUs: false };
    this.replicas.push(r);
    proc.child.once("exit", (code, signal) => this.track(this.onExit(r, code, signal)));
    return r;
  }

  live(): Replica[] {
    return this.replicas.filter((r) => !r.exit);
  }

  /** Exits we did not cause. */
  unexpectedExits(): Replica[] {
    return this.replicas.filter((r) => r.exit && !r.killedByUs);
  }

  async waitReady(r: Replica, timeoutMs = 120_000): Promise<boolean> {
    const ok = await pollUntil(async () => !r.exit && (await fetch(`http://127.0.0.1:${r.port}/readyz`).catch(() => undefined))?.status === 200, timeoutMs, 500);
    return ok === true;
  }

  /** Live replicas whose certwright_leader gauge reads 1 (more than one is split brain). */
  async leaders(): Promise<Replica[]> {
    const live = this.live().filter((r) => !r.stopped);
    const gauges = await Promise.all(live.map((r) => leaderGauge(r.port)));
    return live.filter((_, i) => gauges[i] === 1);
  }

  async waitLeader(timeoutMs: number, exclude?: Replica): Promise<Replica | undefined> {
    return pollUntil(async () => (await this.leaders()).find((r) => r !== exclude), timeoutMs, 300);
  }

  kill(r: Replica): void {
    r.killedByUs = true;
    r.proc.child.kill("SIGKILL");
  }

  signal(r: Replica, sig: "SIGSTOP" | "SIGCONT"): void {
    r.stopped = sig === "SIGSTOP";
    r.proc.child.kill(sig);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.live()) {
      r.killedByUs = true;
      r.proc.child.kill("SIGKILL");
    }
    await Promise.all([...this.live().map((r) => r.proc.exited), ...this.pending]);
  }

  private async onExit(r: Replica, code: number | null, signal: string | null): Promise<void> {
    const log = await readFile(join(this.o.cluster.info.dir, `${r.name}.log`), "utf8").catch(() => "");
    r.exit = { at: Date.now(), code, signal, lastLog: lastMessage(log) };
    if (r.killedByUs || this.closed) return;
    await sleep(RESTART_DELAY_MS);
    if (!this.closed) await this.start();
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => console.error(`chaos: replica restart failed: ${e instanceof Error ? e.message : String(e)}`));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }
}

export async function leaderGauge(port: number): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
  const text = await res?.text().catch(() => undefined);
  const m = text ? /^certwright_leader(?:\{[^}]*\})? (\d+)/m.exec(text) : null;
  return m ? Number(m[1]) : undefined;
}

/** The last two log messages (pino JSON or plain text), to say why a replica exited. */
function lastMessage(log: string): string {
  const lines = log.trim().split("\n").filter(Boolean).slice(-2);
  return lines.map(messageOf).filter(Boolean).join(" / ");
}

function messageOf(line: string): string {
  try {
    const j = JSON.parse(line) as { msg?: string; reason?: string; err?: string };
    return [j.msg, j.reason ?? j.err].filter(Boolean).join(": ");
  } catch {
    return line.slice(0, 200);
  }
}
