// The Gateway API's HTTPRoute CRD, as its Go module publishes it (config/crd/standard), fetched
// by scripts/build-test-binaries.sh into ~/.cache/certwright/gateway-api-<version>/crds and
// installed into the shared control plane, so routes are judged by the real schema.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inject } from "vitest";
import { installCrds } from "../../tools/control-plane/install-crds.ts";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../scripts/build-test-binaries.sh", import.meta.url));
const HTTP_ROUTE_CRD = "gateway.networking.k8s.io_httproutes.yaml";

/** The folder of the module's standard-channel CRDs (downloaded on first use). */
export async function gatewayApiCrdDir(): Promise<string> {
  const { stdout, stderr } = await run("nice", ["-n", "10", "bash", SCRIPT, "gateway-api"], { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
  for (const line of stderr.split("\n")) if (/: (downloading|reused)/.test(line)) console.log(line.trim());
  const dir = /^gateway-api-crds=(.+)$/m.exec(stdout)?.[1];
  if (!dir) throw new Error(`build-test-binaries.sh gateway-api printed no folder:\n${stderr.slice(-2000)}`);
  return dir;
}

/** Installs (server-side apply, idempotent) the HTTPRoute CRD and waits until it is Established. */
export async function installHttpRouteCrd(): Promise<void> {
  await installCrds(inject("controlPlane").kubeconfig, await gatewayApiCrdDir(), [HTTP_ROUTE_CRD]);
}
