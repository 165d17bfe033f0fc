// `npm run bench -- [--n 1000] [--key ecdsa|rsa|ed25519] [--workers N] [--no-restart] [--heap-snapshot DIR]`.
export type BenchKey = "ecdsa" | "rsa" | "ed25519";

export interface BenchOptions {
  n: number;
  key: BenchKey;
  /** Passed to the operator as --workers; undefined: the operator's default. */
  workers?: number;
  restart: boolean;
  /** Where the operator writes a V8 heap snapshot once settled after the burst (for finding where memory goes). */
  heapSnapshotDir?: string;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { n: 1000, key: "ecdsa", restart: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] ?? "").split("=", 2);
    const value = () => inline ?? argv[++i] ?? "";
    if (flag === "--n") o.n = positive("--n", value());
    else if (flag === "--workers") o.workers = positive("--workers", value());
    else if (flag === "--key") o.key = keyOf(value());
    else if (flag === "--no-restart") o.restart = false;
    else if (flag === "--heap-snapshot") o.heapSnapshotDir = value();
    else throw new Error(`unknown argument ${argv[i]}; flags: --n N --key ecdsa|rsa|ed25519 --workers N --no-restart --heap-snapshot DIR`);
  }
  return o;
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function keyOf(v: string): BenchKey {
  if (v === "ecdsa" || v === "rsa" || v === "ed25519") return v;
  throw new Error(`--key must be ecdsa, rsa or ed25519, got ${JSON.stringify(v)}`);
}

export const KEY_SPECS: Record<BenchKey, { label: string; spec: Record<string, unknown> }> = {
  ecdsa: { label: "ECDSA P-256", spec: { algorithm: "ECDSA", size: 256 } },
  rsa: { label: "RSA 2048", spec: { algorithm: "RSA", size: 2048 } },
  ed25519: { label: "Ed25519", spec: { algorithm: "Ed25519" } },
};
