// kubectl-style command lines: global flags (-n, -A, --context, --kubeconfig, -o) anywhere,
// then a verb, its positionals and its own flags. Pure, so every rule is unit-tested.

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type OutputFormat = "json" | "yaml" | "wide";
const OUTPUTS: readonly OutputFormat[] = ["json", "yaml", "wide"];

/** A flag a verb accepts: `value` flags take an argument, the others are booleans. */
export interface FlagSpec {
  name: string;
  short?: string;
  value: boolean;
  help: string;
}

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "namespace", short: "n", value: true, help: "namespace (default: the context's, else default)" },
  { name: "all-namespaces", short: "A", value: false, help: "every namespace (status of lists, inventory)" },
  { name: "context", value: true, help: "kubeconfig context to use" },
  { name: "kubeconfig", value: true, help: "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)" },
  { name: "output", short: "o", value: true, help: "json, yaml or wide (default: text)" },
  { name: "help", short: "h", value: false, help: "help for the verb" },
];

export interface ParsedArgs {
  verb: string | undefined;
  positionals: string[];
  /** Flag name (long form) to its value; booleans hold "true" or "false". */
  flags: Map<string, string>;
}

function findFlag(specs: readonly FlagSpec[], token: string): FlagSpec | undefined {
  return token.startsWith("--") ? specs.find((s) => s.name === token.slice(2)) : specs.find((s) => s.short === token.slice(1));
}

function readFlag(argv: readonly string[], i: number, specs: readonly FlagSpec[], flags: Map<string, string>): number {
  const token = argv[i]!;
  const eq = token.indexOf("=");
  const name = eq > 0 ? token.slice(0, eq) : token;
  // -nfoo is -n foo, as in kubectl.
  const glued = !name.startsWith("--") && name.length > 2 ? name.slice(2) : undefined;
  const spec = findFlag(specs, glued === undefined ? name : name.slice(0, 2));
  if (!spec) throw new UsageError(`unknown flag ${name}`);
  return storeFlag(argv, i, spec, flags, eq > 0 ? token.slice(eq + 1) : glued);
}

function storeFlag(argv: readonly string[], i: number, spec: FlagSpec, flags: Map<string, string>, inline: string | undefined): number {
  if (!spec.value) {
    if (inline !== undefined && inline !== "true" && inline !== "false") throw new UsageError(`--${spec.name} takes no value (or =true/=false)`);
    flags.set(spec.name, inline ?? "true");
    return i;
  }
  if (inline !== undefined) {
    flags.set(spec.name, inline);
    return i;
  }
  const next = argv[i + 1];
  if (next === undefined || (next.startsWith("-") && next !== "-")) throw new UsageError(`--${spec.name} needs a value`);
  flags.set(spec.name, next);
  return i + 1;
}

/**
 * Splits argv by the flags of the verb (global flags plus `verbFlags(verb)`); the verb is the
 * first positional. "--" ends flag parsing.
 */
export function parseArgs(argv: readonly string[], verbFlags: (verb: string | undefined) => readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  // The verb decides which flags exist, so find it first: the first token not a flag or a global flag's value.
  const verb = firstPositional(argv);
  const specs = [...GLOBAL_FLAGS, ...verbFlags(verb)];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token.startsWith("-") && token !== "-") i = readFlag(argv, i, specs, flags);
    else positionals.push(token);
  }
  const output = flags.get("output");
  if (output !== undefined && !OUTPUTS.includes(output as OutputFormat)) throw new UsageError(`-o must be one of ${OUTPUTS.join(", ")}, not ${JSON.stringify(output)}`);
  if (flags.get("all-namespaces") === "true" && flags.has("namespace")) throw new UsageError("-n and -A exclude each other");
  return { verb: positionals[0], positionals: positionals.slice(1), flags };
}

function firstPositional(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") return argv[i + 1];
    if (!token.startsWith("-") || token === "-") return token;
    const spec = token.includes("=") ? undefined : findFlag(GLOBAL_FLAGS, token);
    if (spec?.value) i++;
  }
  return undefined;
}

export function boolFlag(flags: Map<string, string>, name: string, fallback: boolean): boolean {
  const v = flags.get(name);
  return v === undefined ? fallback : v === "true";
}

/** "90s", "2m", "1h" or plain seconds, as kubectl's --timeout. */
export function parseTimeout(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--timeout must be like 90s, 2m or 1h, not ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"]!;
  return Number(m[1]) * unit;
}
