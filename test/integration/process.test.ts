// The operator as users run it (`npm start`): a separate process with flags, a Lease, the health
// and metrics endpoints, issuing against the real control plane and stopping cleanly on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { freePort } from "../../tools/control-plane/processes.ts";
import { LEASES } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, waitReady } from "../harness/operator.ts";

const client = testClient();
let ns: string;
let port: number;
let proc: ChildProcess;
let output = "";

beforeAll(async () => {
  ns = await freshNamespace(client, "proc");
  port = await freePort();
  const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
  proc = spawn(process.execPath, [
    main, "--kubeconfig", inject("controlPlane").kubeconfig, "--namespace", ns, "--metrics-port", String(port), "--acme-http01-port", "0",
    "--metrics-host", "127.0.0.1", "--leader-election-namespace", ns, "--cluster-resource-namespace", ns,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (output += d.toString()));
});

afterAll(() => {
  if (proc.exitCode === null) proc.kill("SIGKILL");
});

describe("operator process", () => {
  it("becomes ready, holds the Lease, issues, exports metrics, and stops on SIGTERM releasing the Lease", async () => {
    await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000, "readyz");
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const lease = await eventually(() => client.find<KubeObject & { spec: { holderIdentity?: string } }>(LEASES, ns, "certwright-controller"), 30_000, "the Lease");
    expect(lease.spec.holderIdentity).toBeTruthy();

    await applyExamples(client, ns, ["ra-profile-local.yaml", "certificate-transport.yaml"]);
    await waitReady(client, ns, "example-transport");
    // The reconciler records the gauges once its status write has answered, a moment after Ready shows.
    const series = new RegExp(`certwright_certificate_expiration_timestamp_seconds\\{[^}]*name="example-transport"`);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return series.test(text) ? text : undefined;
    }, 10_000, "the certificate's metrics");
    expect(metrics).toContain("certwright_issuance_total");
    expect(metrics).toMatch(/^certwright_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);

    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    const after = await client.get<KubeObject & { spec: { holderIdentity?: string } }>(LEASES, ns, "certwright-controller");
    expect(after.spec.holderIdentity ?? "").toBe("");
    expect(output).not.toContain("PRIVATE KEY");
    expect(output).toContain("certwright starting");
  });
});
