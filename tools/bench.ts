// `npm run bench`: issuance figures on a real local control plane. Prints time to Ready for a
// batch of Certificates, issuances per second, API writes and status writes per issuance, and
// key generation cost.
// Numbers, not assertions: tests stay deterministic, this measures.
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../src/kube/client.ts";
import { CERTIFICATES } from "../src/kube/certwright-resources.ts";
import type { KubeObject } from "../src/kube/objects.ts";
import { NAMESPACES, resourceOfPath } from "../src/kube/resources.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createOperator } from "../src/operator.ts";
import { generatePrivateKey, type KeySpec } from "../src/pki/keys.ts";
import { systemClock } from "../src/runtime/clock.ts";
import { startControlPlane } from "./control-plane/index.ts";
import { applyExampleFiles } from "./examples.ts";

const COUNT = Number(process.env.BENCH_CERTIFICATES ?? 200);

async function keyGeneration(): Promise<void> {
  const specs: [string, KeySpec, number][] = [
    ["ECDSA P-256", { algorithm: "ECDSA", size: 256 }, 200],
    ["Ed25519", { algorithm: "Ed25519" }, 200],
    ["RSA 2048", { algorithm: "RSA", size: 2048 }, 10],
    ["RSA 4096", { algorithm: "RSA", size: 4096 }, 2],
  ];
  for (const [name, spec, n] of specs) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await generatePrivateKey(spec);
    console.log(`key generation ${name.padEnd(12)} ${((performance.now() - t) / n).toFixed(2)} ms/key`);
  }
}

async function issuance(): Promise<void> {
  const cp = await startControlPlane({ crdDir: fileURLToPath(new URL("../crds", import.meta.url)), quiet: true });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const client = KubeClient.fromKubeConfig(kc);
    const writes = new Map<string, number>();
    client.rest.onWrite = (verb, path) => {
      const k = `${verb} ${resourceOfPath(path)}`;
      writes.set(k, (writes.get(k) ?? 0) + 1);
    };
    const user = KubeClient.fromKubeConfig(kc);
    await user.create<KubeObject>(NAMESPACES, { metadata: { name: "bench" } });
    await applyExampleFiles(user, "bench", fileURLToPath(new URL("../examples", import.meta.url)), ["ra-profile-local.yaml"]);
    const operator = createOperator({ client, clock: systemClock, log: createLogger({ level: "error" }), clusterResourceNamespace: "bench" });
    await operator.start();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        user.create<KubeObject>(CERTIFICATES, {
          metadata: { name: `b${i}`, namespace: "bench" },
          spec: { raProfileRef: { name: "local-ca" }, type: "server", secretName: `b${i}-tls`, dnsNames: [`b${i}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 } },
        } as KubeObject),
      ),
    );
    for (;;) {
      const items = (await user.list<KubeObject & { status?: { revision?: number } }>(CERTIFICATES, { namespace: "bench" })).items;
      if (items.filter((c) => c.status?.revision === 1).length === COUNT) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`issued ${COUNT} ECDSA P-256 certificates to Ready in ${seconds.toFixed(2)} s (${(COUNT / seconds).toFixed(1)}/s)`);
    // Each Certificate is looked at once more after its issuance (as the watch events of its own
    // writes make the operator do anyway): a steady state must not add status writes.
    await Promise.all(Array.from({ length: COUNT }, (_, i) => lookAgain(operator, `bench/b${i}`)));
    const statusWrites = writes.get("PATCH certificates/status") ?? 0;
    console.log(`status writes per issuance: ${(statusWrites / COUNT).toFixed(2)} (${statusWrites} status patches for ${COUNT} issuances)`);
    const total = [...writes.values()].reduce((a, b) => a + b, 0);
    console.log(`operator API writes: ${total} (${(total / COUNT).toFixed(2)} per issuance): ${[...writes].map(([k, v]) => `${k}=${v}`).join(", ")}`);
    await operator.stop();
  } finally {
    await cp.stop();
  }
}

/** Reconciles the key once more and waits until that reconcile has finished. */
async function lookAgain(operator: ReturnType<typeof createOperator>, key: string): Promise<void> {
  const target = operator.certificateReconciles(key).started + 1;
  operator.enqueueCertificate(key);
  while (operator.certificateReconciles(key).finished < target) await new Promise((r) => setTimeout(r, 20));
}

await keyGeneration();
await issuance();
