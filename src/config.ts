// Operator settings from flags (--name=value or --name value) with environment fallbacks.
import { z } from "zod";

const configSchema = z.object({
  kubeconfig: z.string().optional(),
  namespace: z.string().optional(),
  clusterResourceNamespace: z.string().default("certwright"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  metricsPort: z.coerce.number().int().min(0).max(65535).default(9402),
  metricsHost: z.string().default("0.0.0.0"),
  // The ACME http-01 solver's own listener (0 = off); 8089 like cert-manager's solver.
  acmeHttp01Port: z.coerce.number().int().min(0).max(65535).default(8089),
  // Where the solver's shared answers and per-challenge routes live (next to its Service); the Lease's namespace when unset.
  acmeSolverNamespace: z.string().min(1).optional(),
  workers: z.coerce.number().int().min(1).max(64).default(4),
  leaderElect: z.stringbool().default(true),
  leaderElectionNamespace: z.string().min(1).default("certwright"),
  leaderElectionId: z.string().min(1).default("certwright-controller"),
});
export type OperatorConfig = z.output<typeof configSchema>;

const FLAGS: Record<string, { key: keyof OperatorConfig; env: string }> = {
  kubeconfig: { key: "kubeconfig", env: "KUBECONFIG" },
  namespace: { key: "namespace", env: "WATCH_NAMESPACE" },
  "cluster-resource-namespace": { key: "clusterResourceNamespace", env: "CLUSTER_RESOURCE_NAMESPACE" },
  "log-level": { key: "logLevel", env: "LOG_LEVEL" },
  "metrics-port": { key: "metricsPort", env: "METRICS_PORT" },
  "metrics-host": { key: "metricsHost", env: "METRICS_HOST" },
  "acme-http01-port": { key: "acmeHttp01Port", env: "ACME_HTTP01_PORT" },
  "acme-solver-namespace": { key: "acmeSolverNamespace", env: "ACME_SOLVER_NAMESPACE" },
  workers: { key: "workers", env: "WORKERS" },
  "leader-elect": { key: "leaderElect", env: "LEADER_ELECT" },
  "leader-election-namespace": { key: "leaderElectionNamespace", env: "POD_NAMESPACE" },
  "leader-election-id": { key: "leaderElectionId", env: "LEADER_ELECTION_ID" },
};

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
