// Command line of `npm run chaos`, and the seeded random source that makes kill points reproducible.
export const SCENARIOS = ["kill", "apiserver-outage", "etcd-outage", "sigstop", "ca-outage"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ChaosOptions {
  scenarios: ScenarioName[];
  /** Certificates per case. */
  n: number;
  /** Outage lengths; undefined means each scenario's own defaults (10 s and 60 s; 180 s for the CA). */
  outageSeconds: number[] | undefined;
  /** How long the leader stays stopped in `sigstop` (longer than the 15 s lease). */
  stopSeconds: number;
  /** SIGKILLs in `kill`. */
  kills: number;
  seed: number;
}

const USAGE = `usage: npm run chaos -- [--scenario <${SCENARIOS.join("|")}|all>[,...]] [--n <certificates>]
  [--outage-seconds <s>[,<s>...]] [--stop-seconds <s>] [--kills <count>] [--seed <int>]`;

export function parseOptions(argv: string[]): ChaosOptions {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i] ?? "");
    if (!m) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    if (m[1] === "help") throw new Error(USAGE);
    raw.set(m[1]!, m[2] ?? argv[++i] ?? "");
  }
  const known = new Set(["scenario", "n", "outage-seconds", "stop-seconds", "kills", "seed"]);
  for (const k of raw.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  return {
    scenarios: scenariosOf(raw.get("scenario") ?? "all"),
    n: positiveInt(raw.get("n") ?? "500", "--n"),
    outageSeconds: raw.has("outage-seconds") ? raw.get("outage-seconds")!.split(",").map((s) => positiveInt(s, "--outage-seconds")) : undefined,
    stopSeconds: positiveInt(raw.get("stop-seconds") ?? "25", "--stop-seconds"),
    kills: positiveInt(raw.get("kills") ?? "20", "--kills"),
    seed: raw.has("seed") ? positiveInt(raw.get("seed")!, "--seed") : Math.floor(Math.random() * 2 ** 31),
  };
}

function scenariosOf(value: string): ScenarioName[] {
  if (value === "all") return [...SCENARIOS];
  return value.split(",").map((s) => {
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}\n${USAGE}`);
    return s as ScenarioName;
  });
}

function positiveInt(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} wants a positive integer, got ${s}`);
  return n;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
