// The objects a case creates: its namespaces, an RAProfile, N Certificates (ECDSA P-256).
// Creation retries through outages (a user's kubectl would too) and counts AlreadyExists as done.
import { fileURLToPath } from "node:url";
import type { KubeClient } from "../../src/kube/client.ts";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import { KubeApiError } from "../../src/kube/errors.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { NAMESPACES } from "../../src/kube/resources.ts";
import { applyExampleFiles } from "../examples.ts";
import { sleep } from "./wait.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));
const CONCURRENCY = 16;

export async function createNamespaces(client: KubeClient, ...names: string[]): Promise<void> {
  for (const name of names) await retrying(() => client.create<KubeObject>(NAMESPACES, { metadata: { name } }));
}

export async function applyLocalProfile(client: KubeClient, namespace: string): Promise<void> {
  await applyExampleFiles(client, namespace, EXAMPLES, ["00-ra-profile-local.yaml"]);
}

export const certName = (i: number): string => `c${i}`;

export function certificate(namespace: string, i: number, profile: string): KubeObject {
  const name = certName(i);
  return {
    metadata: { name, namespace },
    spec: { raProfileRef: { name: profile }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject;
}

/** Creates c0..c{n-1}, CONCURRENCY at a time; resolves when all exist (or throws after ~10 min of failures). */
export async function createCertificates(client: KubeClient, namespace: string, n: number, profile: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await retrying(() => client.create(CERTIFICATES, certificate(namespace, i, profile)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
}

/** Retries any error but AlreadyExists (which counts as done), once a second, for up to 10 minutes. */
async function retrying(fn: () => Promise<unknown>): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      await fn();
      return;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409) return;
      last = e;
      await sleep(1000);
    }
  }
  throw new Error(`gave up creating after 600 attempts: ${last instanceof Error ? last.message : String(last)}`);
}
