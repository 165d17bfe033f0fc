// Two operator processes (`node src/main.ts`, default lease timings: 15 s lease, 10 s renew
// deadline, 2 s retry): exactly one leads and issues; SIGKILL the leader and the other takes over
// once the lease has run out, finishes new work, and nothing is issued twice.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { freePort } from "../../tools/control-plane/processes.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, waitReady } from "../harness/operator.ts";

const client = testClient();
let ns: string;
const procs: { proc: ChildProcess; port: number }[] = [];

async function leaderGauge(port: number): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.text().catch(() => undefined);
  const m = text ? /^certwright_leader(?:\{[^}]*\})? (\d+)/m.exec(text) : null;
  return m ? Number(m[1]) : undefined;
}

async function start(): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
  const proc = spawn(process.execPath, [
    main, "--kubeconfig", inject("controlPlane").kubeconfig, "--namespace", ns, "--metrics-port", String(port), "--metrics-host", "127.0.0.1", "--public-port", "0", "--public-host", "127.0.0.1", "--acme-http01-port", "0",
    "--leader-election-namespace", ns, "--cluster-resource-namespace", ns, "--log-level", "warn",
  ], { stdio: "ignore" });
  const p = { proc, port };
  procs.push(p);
  await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000, "readyz");
  return p;
}

const cert = (name: string) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject);

beforeAll(async () => {
  ns = await freshNamespace(client, "failover");
  await applyExamples(client, ns, ["00-ra-profile-local.yaml"]);
});

afterAll(() => {
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill("SIGKILL");
});

describe("two operator processes", () => {
  it("one leads; after SIGKILL of the leader the other takes over once the lease has run out and issues nothing twice", async () => {
    const a = await start();
    const b = await start();
    const [leader, follower] = await eventually(async () => {
      const [la, lb] = [await leaderGauge(a.port), await leaderGauge(b.port)];
      if (la === 1 && lb === 0) return [a, b] as const;
      if (lb === 1 && la === 0) return [b, a] as const;
      return undefined;
    }, 30_000, "exactly one leader");

    for (const n of ["c1", "c2", "c3"]) await cert(n);
    for (const n of ["c1", "c2", "c3"]) await waitReady(client, ns, n);

    const killedAt = Date.now();
    leader.proc.kill("SIGKILL");
    for (const n of ["c4", "c5", "c6"]) await cert(n);
    await eventually(async () => ((await leaderGauge(follower.port)) === 1 ? true : undefined), 40_000, "takeover");
    const takeoverMs = Date.now() - killedAt;
    // Nobody may take over before the dead leader's lease (15 s, renewed every 2 s) has run out; a
    // busy machine only makes this later, so only the lower bound is asserted.
    expect(takeoverMs).toBeGreaterThan(15_000 - 2 * 2_000 * 1.2);
    for (const n of ["c4", "c5", "c6"]) await waitReady(client, ns, n);
    for (const n of ["c1", "c2", "c3", "c4", "c5", "c6"]) {
      const c = await getCert(client, ns, n);
      expect(c.status?.revision).toBe(1);
      expect(c.status?.history?.length).toBe(1);
    }
    console.log(`failover: the follower led ${takeoverMs} ms after the leader was killed`);
  });
});
