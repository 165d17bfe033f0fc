// The test control plane is a real kube-apiserver + etcd, and our informer survives it going away.
import { inject, describe, expect, it } from "vitest";
import { freePort } from "../../tools/control-plane/processes.ts";
import { startApiServer, writeKubeconfig } from "../../tools/control-plane/index.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { Informer } from "../../src/kube/informer.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { CRDS, SECRETS, type ResourceType } from "../../src/kube/resources.ts";
import { eventually, freshNamespace, kubeConfig, testClient } from "../harness/cluster.ts";
import { installCrds } from "../../tools/control-plane/install-crds.ts";
import { mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { stopProcess } from "../../tools/control-plane/processes.ts";

const WIDGETS: ResourceType = { group: "test.certwright.dev", version: "v1", plural: "widgets", kind: "Widget", namespaced: true };

interface Widget extends KubeObject {
  spec: { size?: number; color?: string };
}

const widgetCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.test.certwright.dev }
spec:
  group: test.certwright.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: { type: integer, default: 3 }
              color: { type: string }
`;

async function installWidgetCrd(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "widget-crd-"));
  await writeFile(join(dir, "widget.yaml"), widgetCrd);
  await installCrds(inject("controlPlane").kubeconfig, dir);
}

describe("test control plane", () => {
  it("is a real API server: objects get server-set fields and informers deliver them", async () => {
    const client = testClient();
    await installWidgetCrd();
    const ns = await freshNamespace(client);

    const secrets = new Informer<SecretObject>(client, SECRETS, { namespace: ns });
    const widgets = new Informer<Widget>(client, WIDGETS, { namespace: ns });
    const seen: string[] = [];
    secrets.addHandlers({ onAdd: (o) => seen.push(`secret/${o.metadata.name}`) });
    widgets.addHandlers({ onAdd: (o) => seen.push(`widget/${o.metadata.name}`) });
    await secrets.start();
    await widgets.start();
    await Promise.all([secrets.waitForSync(), widgets.waitForSync()]);

    await client.create<SecretObject>(SECRETS, { metadata: { name: "s1", namespace: ns }, stringData: { a: "b" } });
    await client.create<Widget>(WIDGETS, { metadata: { name: "w1", namespace: ns }, spec: { color: "red" } });

    await eventually(() => seen.includes("secret/s1") && seen.includes("widget/w1"), 10_000, "informer events");
    const w = widgets.get(`${ns}/w1`)!;
    expect(w.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(w.metadata.resourceVersion)).toBeGreaterThan(0);
    expect((await client.get<Widget>(WIDGETS, ns, "w1")).metadata.managedFields?.length).toBeGreaterThan(0);
    expect(w.metadata.managedFields).toBeUndefined(); // not kept in the cache: no reconciler reads it
    expect(w.spec.size).toBe(3); // defaulted by the API server from the CRD schema
    const s = secrets.get(`${ns}/s1`)!;
    expect(Buffer.from(s.data!.a!, "base64").toString()).toBe("b"); // stringData folded into data by the server
    expect(s.type).toBe("Opaque");

    // The server really validates: a wrong type is refused with 422.
    await expect(
      client.create<KubeObject>(WIDGETS, { metadata: { name: "bad", namespace: ns }, spec: { size: "big" } } as never),
    ).rejects.toMatchObject({ status: 422 });
    await secrets.stop();
    await widgets.stop();
    expect(await client.find(CRDS, undefined, "widgets.test.certwright.dev")).toBeDefined();
  });

  it("informer re-lists after its API server is killed and restarted on the same port", async () => {
    const cp = inject("controlPlane");
    const admin = testClient();
    const ns = await freshNamespace(admin);
    // A second API server over the same etcd: we may kill it without disturbing the other tests.
    const port = await freePort();
    const info = {
      dir: cp.dir, server: `https://127.0.0.1:${port}`, apiPort: port, etcdUrl: cp.etcdUrl,
      kubeconfig: join(await mkdtemp(join(tmpdir(), "kc-")), "kubeconfig"), certs: cp.certs,
      binaries: { kubeApiserver: cp.kubeApiserver, etcd: "" },
    };
    let apiserver = await startApiServer(info, port, "kube-apiserver-b");
    await writeKubeconfig(info);
    const viaB = KubeClient.fromKubeConfig(kubeConfig(info.kubeconfig));
    const errors: unknown[] = [];
    const informer = new Informer<SecretObject>(viaB, SECRETS, { namespace: ns, backoffMaxMs: 500, onError: (e) => errors.push(e) });
    const added = new Set<string>();
    const deleted = new Set<string>();
    informer.addHandlers({ onAdd: (o) => added.add(o.metadata.name!), onDelete: (o) => deleted.add(o.metadata.name!) });
    await informer.start();
    await informer.waitForSync();
    await admin.create<SecretObject>(SECRETS, { metadata: { name: "before", namespace: ns } });
    await admin.create<SecretObject>(SECRETS, { metadata: { name: "doomed", namespace: ns } });
    await eventually(() => added.has("before") && added.has("doomed"), 10_000, "events before the kill");
    const listsBefore = informer.listCount;

    await stopProcess(apiserver, cp.dir, "SIGKILL");
    await admin.create<SecretObject>(SECRETS, { metadata: { name: "while-down-1", namespace: ns } });
    await admin.create<SecretObject>(SECRETS, { metadata: { name: "while-down-2", namespace: ns } });
    await admin.delete(SECRETS, ns, "doomed");
    await eventually(() => errors.length > 0, 10_000, "the informer to notice the dead server");
    expect(added.has("while-down-1")).toBe(false);

    apiserver = await startApiServer(info, port, "kube-apiserver-b");
    try {
      await eventually(() => added.has("while-down-1") && added.has("while-down-2") && deleted.has("doomed"), 30_000, "re-list after restart");
      expect(informer.listCount).toBeGreaterThan(listsBefore);
      expect(informer.list(ns).map((s) => s.metadata.name).sort()).toEqual(["before", "while-down-1", "while-down-2"]);
    } finally {
      await informer.stop();
      await stopProcess(apiserver, cp.dir);
    }
  });
});
