// Finds kube-apiserver, etcd, helm and kubectl: KUBEBUILDER_ASSETS when set, else our cached Go builds
// (built on first use by scripts/build-test-binaries.sh, keyed by version).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../scripts/build-test-binaries.sh", import.meta.url));

export interface Binaries {
  kubeApiserver: string;
  etcd: string;
  helm?: string;
  kubectl?: string;
}

/** Builds (once) or reuses the binaries; the script logs "building" or "reused" for each. */
export async function resolveBinaries(which: "control-plane" | "helm" | "kubectl" | "all" = "control-plane"): Promise<Binaries> {
  const { stdout, stderr } = await run("bash", [SCRIPT, which], { maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60_000 });
  for (const line of stderr.split("\n")) if (/: (building|reused|using)/.test(line)) console.log(line.trim());
  const paths = Object.fromEntries(
    stdout
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => l.split("=", 2) as [string, string]),
  );
  return { kubeApiserver: paths["kube-apiserver"] ?? "", etcd: paths.etcd ?? "", helm: paths.helm, kubectl: paths.kubectl };
}

export async function binaryVersions(b: Binaries): Promise<{ kubeApiserver: string; etcd: string }> {
  const k = await run(b.kubeApiserver, ["--version"]);
  const e = await run(b.etcd, ["--version"]);
  return {
    kubeApiserver: /v\d+\.\d+\.\d+\S*/.exec(k.stdout)?.[0] ?? "unknown",
    etcd: "v" + (/etcd Version: (\S+)/.exec(e.stdout)?.[1] ?? "unknown"),
  };
}
