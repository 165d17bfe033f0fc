// kubectl-certwright: parse, connect (src/kube/kubeconfig.ts, the kubectl flags), run the verb,
// and map every outcome to an exit code: 0 done, 1 failed (the message says why), 2 usage error.
import type { ConnectOptions, Connection } from "../../kube/kubeconfig.ts";
import { KubeApiError } from "../../kube/errors.ts";
import { buildInfo } from "../../observability/build-info.ts";
import { systemClock } from "../../runtime/clock.ts";
import { GLOBAL_FLAGS, UsageError, parseArgs, type FlagSpec, type OutputFormat } from "./args.ts";
import { complete, completionOutput, completionScript } from "./completion.ts";
import { CliError, type Ctx } from "./context.ts";
import { VERBS, verbNamed, type Verb } from "./verbs.ts";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const flagLines = (flags: readonly FlagSpec[]) =>
  flags.map((f) => `  ${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.value ? " VALUE" : ""}`.padEnd(40) + f.help).join("\n");

export function mainHelp(): string {
  return `kubectl certwright: certwright's Certificates from the command line (run as kubectl certwright or kubectl-certwright)

Usage: kubectl certwright VERB [NAME] [flags]

Verbs:
${VERBS.map((v) => `  ${v.usage.padEnd(40)}${v.summary}`).join("\n")}
  ${"completion bash|zsh".padEnd(40)}print a shell completion script
  ${"version".padEnd(40)}print the version

Global flags:
${flagLines(GLOBAL_FLAGS)}
      --version                         print the version

Exit codes: 0 done, 1 failed (the message says why), 2 usage error.
kubectl certwright VERB --help shows a verb's flags.
`;
}

function verbHelp(v: Verb): string {
  return `Usage: kubectl certwright ${v.usage} [-n NAMESPACE] [flags]\n\n${v.summary}.\n${v.details}\n${v.flags.length ? `\nFlags:\n${flagLines(v.flags)}\n` : ""}\nGlobal flags:\n${flagLines(GLOBAL_FLAGS)}\n`;
}

// Loaded on first use: the Kubernetes client is most of the start-up time, and --help,
// --version and completion scripts need no cluster.
async function connect(opts: ConnectOptions): Promise<Connection> {
  return (await import("../../kube/kubeconfig.ts")).connect(opts);
}

function connectFor(flags: Map<string, string>): Promise<Connection> {
  return connect({ kubeconfig: flags.get("kubeconfig"), context: flags.get("context") });
}

async function runVerb(verb: Verb, flags: Map<string, string>, positionals: string[], io: Io): Promise<number> {
  const { client, namespace } = await connectFor(flags);
  const ctx: Ctx = {
    client, namespace: flags.get("namespace") ?? namespace, allNamespaces: flags.get("all-namespaces") === "true",
    output: flags.get("output") as OutputFormat | undefined, positionals, flags, clock: systemClock,
    out: (t) => io.out(t), err: (t) => io.err(t),
  };
  try {
    return await verb.run(ctx);
  } finally {
    await client.rest.close();
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  if (argv[0] === "__complete") {
    const words = argv.slice(1);
    const flag = (name: string) => {
      const i = words.indexOf(`--${name}`);
      return i >= 0 ? words[i + 1] : words.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
    };
    const context = flag("context");
    const kubeconfig = flag("kubeconfig");
    const conn = async () => connect({ context, kubeconfig });
    const candidates = await complete(words, conn).catch(() => []);
    io.out(completionOutput(candidates));
    return 0;
  }
  if (argv.includes("--version") || argv[0] === "version") {
    const b = buildInfo();
    io.out(`kubectl-certwright ${b.version} (node ${b.nodeVersion}${b.commit ? `, commit ${b.commit}` : ""})\n`);
    return 0;
  }
  const parsed = parseArgs(argv, (v) => verbNamed(v)?.flags ?? []);
  const verb = verbNamed(parsed.verb);
  const help = parsed.flags.get("help") === "true";
  if (!parsed.verb || parsed.verb === "help") {
    const about = verbNamed(parsed.positionals[0]);
    io.out(about ? verbHelp(about) : mainHelp());
    return parsed.verb || help ? 0 : 2;
  }
  if (parsed.verb === "completion") {
    const script = completionScript(parsed.positionals[0] ?? "");
    if (!script) throw new UsageError("usage: kubectl certwright completion bash|zsh");
    io.out(script);
    return 0;
  }
  if (!verb) throw new UsageError(`unknown verb ${JSON.stringify(parsed.verb)}; verbs: ${VERBS.map((v) => v.name).join(", ")}, completion`);
  if (help) {
    io.out(verbHelp(verb));
    return 0;
  }
  return runVerb(verb, parsed.flags, parsed.positionals, io);
}

export async function runPlugin(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\nSee kubectl certwright --help.\n`);
      return 2;
    }
    if (e instanceof CliError) {
      io.err(`error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof KubeApiError) {
      io.err(`error: the API server answered ${e.status}: ${e.message}\n`);
      return 1;
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
