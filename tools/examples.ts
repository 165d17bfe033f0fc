// Creates the objects of a folder of YAML manifests (certwright kinds only) in one namespace:
// the `kubectl apply -n ns -f examples/` of our dev tools and tests.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeClient } from "../src/kube/client.ts";
import { CERTIFICATES, CLUSTER_RA_PROFILES, RA_PROFILES } from "../src/kube/certwright-resources.ts";
import type { KubeObject } from "../src/kube/objects.ts";
import type { ResourceType } from "../src/kube/resources.ts";

const RESOURCES: Record<string, ResourceType> = { Certificate: CERTIFICATES, RAProfile: RA_PROFILES, ClusterRAProfile: CLUSTER_RA_PROFILES };

export async function applyExampleFiles(client: KubeClient, namespace: string, dir: string, files?: string[]): Promise<KubeObject[]> {
  const names = files ?? (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  const created: KubeObject[] = [];
  for (const f of names) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), "utf8"))) {
      const obj = doc.toJS() as KubeObject | null;
      const r = obj?.kind ? RESOURCES[obj.kind] : undefined;
      if (!obj || !r) continue;
      if (r.namespaced) obj.metadata.namespace = namespace;
      created.push(await client.create(r, obj));
    }
  }
  return created;
}
