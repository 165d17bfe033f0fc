// Operator settings from flags (--name=value or --name value) with environment fallbacks.
import { z } from "zod";
import { durationString, parseDuration } from "./api/duration.ts";
import { DEFAULT_RATE_LIMIT } from "./kube/rate-limiter.ts";

const configSchema = z.object({
  kubeconfig: z.string().optional(),
  namespace: z.string().optional(),
  clusterResourceNamespace: z.string().default("certwright"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  metricsPort: z.coerce.number().int().min(0).max(65535).default(9402),
  metricsHost: z.string().default("0.0.0.0"),
  publicPort: z.coerce.number().int().min(0).max(65535).default(9403),
  publicHost: z.string().default("0.0.0.0"),
  publicListener: z.stringbool().default(true),
  /** How long a superseded public key stays in a JWK Set after a rekey: h/m/s, e.g. "24h" or "90m". */
  jwksOverlap: durationString.default("24h").transform(parseDuration),
  // The ACME http-01 solver's own listener (0 = off); 8089 like cert-manager's solver.
  acmeHttp01Port: z.coerce.number().int().min(0).max(65535).default(8089),
  // Where the solver's shared answers and per-challenge routes live (next to its Service); the Lease's namespace when unset.
  acmeSolverNamespace: z.string().min(1).optional(),
  workers: z.coerce.number().int().min(1).max(64).default(4),
  // Client-side limit on API requests (token bucket, like client-go's --kube-api-qps/--kube-api-burst).
  kubeApiQps: z.coerce.number().positive().max(100_000).default(DEFAULT_RATE_LIMIT.qps),
  kubeApiBurst: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_RATE_LIMIT.burst),
  leaderElect: z.stringbool().default(true),
  leaderElectionNamespace: z.string().min(1).default("certwright"),
  leaderElectionId: z.string().min(1).default("certwright-controller"),
});
export type OperatorConfig = z.output<typeof configSchema>;

const FLAGS: Record<string, { key: keyof OperatorConfig; env: string; help: string }> = {
  kubeconfig: { key: "kubeconfig", env: "KUBECONFIG", help: "cluster to talk to (default: in-cluster, else ~/.kube/config)" },
  namespace: { key: "namespace", env: "WATCH_NAMESPACE", help: "watch one namespace only (default: all)" },
  "cluster-resource-namespace": { key: "clusterResourceNamespace", env: "CLUSTER_RESOURCE_NAMESPACE", help: "where ClusterRAProfile CA Secrets live (default certwright)" },
  "log-level": { key: "logLevel", env: "LOG_LEVEL", help: "trace, debug, info, warn, error (default info)" },
  "metrics-port": { key: "metricsPort", env: "METRICS_PORT", help: "port of /metrics, /healthz, /readyz, /crl (default 9402)" },
  "metrics-host": { key: "metricsHost", env: "METRICS_HOST", help: "address to listen on (default 0.0.0.0)" },
  "public-port": { key: "publicPort", env: "PUBLIC_PORT", help: "port of the public listener: JWKS, OCSP, CRLs (default 9403)" },
  "public-host": { key: "publicHost", env: "PUBLIC_HOST", help: "address the public listener binds (default 0.0.0.0)" },
  "public-listener": { key: "publicListener", env: "PUBLIC_LISTENER", help: "serve the public listener at all (default true)" },
  "jwks-overlap": { key: "jwksOverlap", env: "JWKS_OVERLAP", help: "how long a superseded public key stays in the JWKS (default 24h)" },
  "acme-http01-port": { key: "acmeHttp01Port", env: "ACME_HTTP01_PORT", help: "port of the ACME http-01 solver's own listener, 0 = off (default 8089)" },
  "acme-solver-namespace": { key: "acmeSolverNamespace", env: "ACME_SOLVER_NAMESPACE", help: "where the solver's shared answers and per-challenge routes live (default: the Lease's namespace)" },
  workers: { key: "workers", env: "WORKERS", help: "concurrent Certificate reconciles, 1-64 (default 4)" },
  "kube-api-qps": { key: "kubeApiQps", env: "KUBE_API_QPS", help: `API requests per second, client-side (default ${DEFAULT_RATE_LIMIT.qps}; the Lease is exempt)` },
  "kube-api-burst": { key: "kubeApiBurst", env: "KUBE_API_BURST", help: `API requests allowed at once above the rate (default ${DEFAULT_RATE_LIMIT.burst})` },
  "leader-elect": { key: "leaderElect", env: "LEADER_ELECT", help: "hold a Lease before reconciling (default true)" },
  "leader-election-namespace": { key: "leaderElectionNamespace", env: "POD_NAMESPACE", help: "where the Lease lives (default certwright)" },
  "leader-election-id": { key: "leaderElectionId", env: "LEADER_ELECTION_ID", help: "the Lease's name (default certwright-controller)" },
};

/** What `--help` prints: every flag with its environment fallback. */
export function configHelp(): string {
  const rows = Object.entries(FLAGS).map(([flag, f]) => `  --${flag.padEnd(28)}${f.env.padEnd(28)}${f.help}`);
  return [
    "certwright: the operator. Usage: certwright [--flag=value | --flag value]...",
    "",
    `  ${"flag".padEnd(30)}${"environment".padEnd(28)}meaning`,
    ...rows,
    `  --${"help".padEnd(28)}${"".padEnd(28)}print this and exit`,
    `  --${"version".padEnd(28)}${"".padEnd(28)}print the version and exit`,
    "",
  ].join("\n");
}

/** --help or --version anywhere on the command line (they win over every other flag, as usual). */
export function infoRequest(argv: readonly string[]): "help" | "version" | undefined {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  if (argv.includes("--version")) return "version";
  return undefined;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const raw: Record<string, string> = {};
  for (const [, f] of Object.entries(FLAGS)) if (env[f.env]) raw[f.key] = env[f.env]!;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i] ?? "");
    const flag = m ? FLAGS[m[1]!] : undefined;
    if (!m || !flag) throw new Error(`unknown argument ${argv[i]}; flags: ${Object.keys(FLAGS).map((f) => `--${f}`).join(" ")}`);
    raw[flag.key] = m[2] ?? argv[++i] ?? "";
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}
