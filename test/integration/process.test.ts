// The operator as users run it (`npm start`): a separate process with flags, a Lease, the health
// and metrics endpoints, issuing against the real control plane and stopping cleanly on SIGTERM.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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
    main, "--kubeconfig", inject("controlPlane").kubeconfig, "--namespace", ns, "--metrics-port", String(port), "--public-port", "0", "--public-host", "127.0.0.1", "--acme-http01-port", "0",
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

    await applyExamples(client, ns, ["00-ra-profile-local.yaml", "certificate-transport.yaml"]);
    await waitReady(client, ns, "example-transport");
    // The reconciler records the gauges once its status write has answered, a moment after Ready shows.
    const series = new RegExp(`certwright_certificate_expiration_timestamp_seconds\\{[^}]*name="example-transport"`);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return series.test(text) ? text : undefined;
    }, 10_000, "the certificate's metrics");
    expect(metrics).toContain("certwright_issuance_total");
    const pkg = JSON.parse(await readFile(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
    expect(metrics).toContain(`certwright_build_info{version="${pkg.version}",node_version="${process.version}",commit=""} 1`);
    expect(metrics).toMatch(/^certwright_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);

    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    const after = await client.get<KubeObject & { spec: { holderIdentity?: string } }>(LEASES, ns, "certwright-controller");
    expect(after.spec.holderIdentity ?? "").toBe("");
    expect(output).not.toContain("PRIVATE KEY");
    expect(output).toContain("certwright starting");
    const started = output.split("\n").find((l) => l.includes("certwright starting"))!;
    expect(JSON.parse(started)).toMatchObject({ version: pkg.version, node: process.version });
  });
});

describe("operator command line", () => {
  it("answers --help (every flag and its environment variable) and --version (package.json) and exits 0", async () => {
    const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
    const run = promisify(execFile);
    const pkg = JSON.parse(await readFile(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
    expect((await run(process.execPath, [main, "--version"])).stdout).toBe(`certwright ${pkg.version} (node ${process.version})\n`);
    expect((await run(process.execPath, [main, "--version"], { env: { ...process.env, CERTWRIGHT_COMMIT: "abc123" } })).stdout).toContain("commit abc123");
    const help = (await run(process.execPath, [main, "--metrics-port", "1", "--help"])).stdout;
    for (const flag of ["--kubeconfig", "--namespace", "--leader-elect", "--metrics-port", "WATCH_NAMESPACE", "--version"]) expect(help).toContain(flag);
    await expect(run(process.execPath, [main, "--frob"])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("unknown argument --frob") });
  });
});
