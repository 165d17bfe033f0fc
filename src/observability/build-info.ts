// What build is running: the package version (from package.json, found next to src/ or dist/),
// the Node version and, when the image was built with one, the commit. Shown by --version, in
// the start-up log and as the certwright_build_info metric.
import { readFileSync } from "node:fs";
import { Gauge, type Registry } from "prom-client";

export interface BuildInfo {
  version: string;
  nodeVersion: string;
  /** CERTWRIGHT_COMMIT (the Dockerfile's GIT_COMMIT build argument); "" when unknown. */
  commit: string;
}

function packageVersion(): string {
  // src/observability/build-info.ts and dist/observability/build-info.js both sit two levels below the package root.
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  const pkg = JSON.parse(text) as { name?: string; version?: string };
  if (pkg.name !== "certwright" || !pkg.version) throw new Error("package.json of certwright not found next to the code");
  return pkg.version;
}

export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  return { version: packageVersion(), nodeVersion: process.version, commit: (env.CERTWRIGHT_COMMIT ?? "").trim() };
}

/** certwright_build_info{version, node_version, commit} 1, as Prometheus exporters do. */
export function registerBuildInfo(registry: Registry, info: BuildInfo): void {
  const g = new Gauge({
    name: "certwright_build_info",
    help: "The running build: 1, labelled with version, node_version and commit (empty when unknown).",
    labelNames: ["version", "node_version", "commit"],
    registers: [registry],
  });
  g.set({ version: info.version, node_version: info.nodeVersion, commit: info.commit }, 1);
}
