// A leader paused past its lease (SIGSTOP) and resumed (SIGCONT) must not write: the fence
// checks, on the clock, that the last renewal is younger than the renew deadline before every
// write, so the reconciles and events the paused process resumes with are refused, and its term
// ends. Two replica processes (test/harness/replica.ts: lease 2 s, renew deadline 1.5 s).
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, waitReady } from "../harness/operator.ts";

interface Report {
  ev: "candidate" | "leading" | "lost" | "write" | "fenced";
  at: number;
  verb?: string;
  path?: string;
}

interface Replica {
  name: string;
  proc: ChildProcess;
  reports: Report[];
  stderr: string[];
  count(ev: Report["ev"]): number;
}

const admin = testClient();
let ns: string;
const replicas: Replica[] = [];

function startReplica(name: string): Replica {
  const script = fileURLToPath(new URL("../harness/replica.ts", import.meta.url));
  const proc = spawn(process.execPath, [script, inject("controlPlane").kubeconfig, ns, name], { stdio: ["ignore", "pipe", "pipe"] });
  const reports: Report[] = [];
  const stderr: string[] = [];
  proc.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
  createInterface({ input: proc.stdout }).on("line", (line) => {
    if (line.startsWith("{")) reports.push(JSON.parse(line) as Report);
  });
  const r = { name, proc, reports, stderr, count: (ev: Report["ev"]) => reports.filter((x) => x.ev === ev).length };
  replicas.push(r);
  return r;
}

const cert = (name: string) =>
  admin.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject);

beforeAll(async () => {
  ns = await freshNamespace(admin, "pause");
  await applyExamples(admin, ns, ["00-ra-profile-local.yaml"]);
});

afterAll(() => {
  for (const r of replicas) {
    if (r.proc.exitCode !== null) continue;
    r.proc.kill("SIGCONT");
    r.proc.kill("SIGKILL");
  }
});

describe("a leader paused past its lease", () => {
  it("writes nothing after the new leader's first write, and goes back to candidate", async () => {
    const a = startReplica("replica-a");
    await eventually(() => (a.count("leading") === 1 ? true : undefined), 60_000, "a to lead");
    const b = startReplica("replica-b");
    await eventually(() => (b.count("candidate") === 1 ? true : undefined), 60_000, "b to compete");
    for (const n of ["c1", "c2"]) await cert(n);
    for (const n of ["c1", "c2"]) await waitReady(admin, ns, n);

    // Pause a in the middle of work: right after its first write for a batch of new certificates.
    const writesBefore = a.count("write");
    const batch = Array.from({ length: 8 }, (_, i) => `p${i}`);
    for (const n of batch) await cert(n);
    await eventually(() => (a.count("write") > writesBefore ? true : undefined), 30_000, "a to start on the batch");
    a.proc.kill("SIGSTOP");
    const pausedAt = Date.now();

    await eventually(() => (b.count("leading") === 1 ? true : undefined), 30_000, "b to take over");
    await cert("while-paused");
    await eventually(() => (b.count("write") > 0 ? true : undefined), 30_000, "b's first write");
    const bFirstWrite = b.reports.find((r) => r.ev === "write")!.at;
    a.proc.kill("SIGCONT");

    // a's term ends and its controllers stop (it calls acquire again only after they have):
    // from then on nothing of the old term can write.
    // Until the reconciler passes its signal to reads, a read in flight across the pause can hold
    // the stop of the old term's controllers up to the read's 30 s timeout (its writes stay fenced).
    await eventually(() => (a.count("lost") === 1 && a.count("candidate") === 2 ? true : undefined), 60_000, "a back to candidate").catch((e: unknown) => {
      console.log(a.reports.filter((r) => r.ev !== "write").map((r) => JSON.stringify(r)).join("\n")); // its log lines too
      console.log(`a: exit ${a.proc.exitCode} signal ${a.proc.signalCode}; stderr: ${a.stderr.join("")}`);
      throw e;
    });
    for (const n of ["c1", "c2", ...batch, "while-paused"]) await waitReady(admin, ns, n);

    const late = a.reports.filter((r) => r.ev === "write" && r.at > bFirstWrite);
    console.log(
      `pause: a paused ${bFirstWrite - pausedAt} ms before b's first write; after resume a had ${a.count("fenced")} writes fenced, ${late.length} sent`,
    );
    expect(late).toEqual([]);
    expect(a.count("leading")).toBe(1);
    for (const n of ["c1", "c2", ...batch, "while-paused"]) {
      const c = await getCert(admin, ns, n);
      // Issued at most once. A Secret the paused leader wrote just before the pause, whose status
      // write was then fenced, is adopted by the new leader as up to date (no history entry).
      expect(c.status?.history?.length ?? 0, n).toBeLessThanOrEqual(1);
      expect(c.status?.revision ?? 0, n).toBeLessThanOrEqual(1);
    }
  });
});
