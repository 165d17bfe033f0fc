// Shell completion. `completion bash|zsh` prints a script that asks `kubectl-certwright __complete
// WORDS...` for candidates; `__complete` answers in cobra's format (one candidate a line, then
// ":4", no file completion), which is also what kubectl expects from kubectl_complete-certwright,
// so `kubectl certwright <TAB>` completes too.
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { NAMESPACES, SECRETS, type ResourceType } from "../../kube/resources.ts";
import { GLOBAL_FLAGS, type FlagSpec } from "./args.ts";
import { VERBS, verbNamed, type Verb } from "./verbs.ts";

const NO_FILE_COMPLETION = ":4";
const EXTRA_VERBS = ["completion", "help", "version"];

export function completionScript(shell: string, program = "kubectl-certwright"): string | undefined {
  const fn = `_${program.replace(/[^A-Za-z0-9]/g, "_")}`;
  if (shell === "bash") {
    return `# bash completion for ${program}: source <(${program} completion bash)
${fn}() {
  local IFS=$'\\n'
  COMPREPLY=( $(${program} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null | grep -v '^:') )
}
complete -o default -F ${fn} ${program}
`;
  }
  if (shell === "zsh") {
    return `#compdef ${program}
# zsh completion for ${program}: source <(${program} completion zsh)
${fn}() {
  local -a candidates
  candidates=("\${(@f)$(${program} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null | grep -v '^:')}")
  compadd -- "\${candidates[@]}"
}
compdef ${fn} ${program}
`;
  }
  return undefined;
}

const flagWords = (specs: readonly FlagSpec[]) => specs.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);

function namespaceOf(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === "-n" || w === "--namespace") && words[i + 1]) return words[i + 1];
    if (w.startsWith("--namespace=")) return w.slice("--namespace=".length);
  }
  return undefined;
}

async function names(client: KubeClient, r: ResourceType, namespace: string | undefined): Promise<string[]> {
  const list = await client.list<KubeObject>(r, { namespace });
  return list.items.map((o) => o.metadata.name ?? "");
}

/** Candidates that need no cluster, or undefined. */
function fixedCandidates(prev: string | undefined, current: string, positionals: string[], verb: Verb | undefined): string[] | undefined {
  if (prev === "-o" || prev === "--output") return ["json", "yaml", "wide"];
  if (prev === "--sort") return ["expiry", "name"];
  if (current.startsWith("-")) return flagWords([...GLOBAL_FLAGS, ...(verb?.flags ?? [])]);
  if (positionals.length === 0) return [...VERBS.map((v) => v.name), ...EXTRA_VERBS];
  if (positionals[0] === "completion" && positionals.length === 1) return ["bash", "zsh"];
  if (Array.isArray(verb?.completes) && positionals.length === 1) return [...(verb.completes as readonly string[])];
  return undefined;
}

/** Candidates for the last word of `words` (the words after the program name). */
export async function complete(words: readonly string[], connect: () => Promise<{ client: KubeClient; namespace: string }>): Promise<string[]> {
  const current = words.at(-1) ?? "";
  const before = words.slice(0, -1);
  const prev = before.at(-1);
  const positionals = before.filter((w, i) => !w.startsWith("-") && !["-n", "--namespace", "-o", "--output", "--context", "--kubeconfig"].includes(before[i - 1] ?? ""));
  const verb = verbNamed(positionals[0]);
  const pick = (all: string[]) => all.filter((c) => c.startsWith(current));
  const fixed = fixedCandidates(prev, current, positionals, verb);
  if (fixed) return pick(fixed);
  if (prev === "-n" || prev === "--namespace") return pick(await names((await connect()).client, NAMESPACES, undefined));
  if (!verb?.completes) return [];
  const { client, namespace } = await connect();
  const ns = namespaceOf(words) ?? namespace;
  if (verb.completes === "certificate" && positionals.length === 1) return pick(await names(client, CERTIFICATES, ns));
  if (verb.name === "inspect" && positionals.length === 2) return pick(await names(client, SECRETS, ns));
  return [];
}

export const completionOutput = (candidates: string[]) => [...candidates, NO_FILE_COMPLETION].join("\n") + "\n";
