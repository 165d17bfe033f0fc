// Applies every CRD in a folder (server-side apply) and waits until each is Established.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../src/kube/client.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { CRDS } from "../../src/kube/resources.ts";

interface Crd extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

/** `only`: these files of the folder (default every .yaml). */
export async function installCrds(kubeconfig: string, crdDir: string, only?: string[]): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = KubeClient.fromKubeConfig(kc);
  const files = (await readdir(crdDir)).filter((f) => f.endsWith(".yaml") && (!only || only.includes(f))).sort();
  const names: string[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(crdDir, f), "utf8"))) {
      const crd = doc.toJS() as Crd | null;
      if (!crd?.metadata?.name) continue;
      await client.patch(CRDS, undefined, crd.metadata.name, crd, { type: "apply", force: true });
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) await waitEstablished(client, name);
  return names;
}

async function waitEstablished(client: KubeClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const crd = await client.get<Crd>(CRDS, undefined, name);
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} did not become Established`);
}
