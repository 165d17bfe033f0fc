// Helpers for integration tests: a client for the shared control plane and a fresh namespace per test.
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { KubeClient } from "../../src/kube/client.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { NAMESPACES } from "../../src/kube/resources.ts";

export function kubeConfig(path = inject("controlPlane").kubeconfig): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function testClient(): KubeClient {
  return KubeClient.fromKubeConfig(kubeConfig());
}

/** Creates a namespace with a unique name (namespaces never finish deleting without a controller-manager). */
export async function freshNamespace(client: KubeClient, prefix = "t"): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await client.create<KubeObject>(NAMESPACES, { metadata: { name, labels: { "certwright.dev/test": "true" } } });
  return name;
}

/** Polls until check returns a value (not undefined) or the timeout passes. For waiting on a real server. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}
