// patchStatus with the resourceVersion the status was computed from: the API server applies it
// while the object is unchanged and refuses it with 409 (isConflict) once someone else wrote.
import { describe, expect, it } from "vitest";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import { isConflict } from "../../src/kube/errors.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { freshNamespace, testClient } from "../harness/cluster.ts";

const client = testClient();

describe("patchStatus with resourceVersion", () => {
  it("applies on the version it was computed from and conflicts on a stale one", async () => {
    const ns = await freshNamespace(client, "rv");
    const created = await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "c", namespace: ns },
      spec: { raProfileRef: { name: "p" }, type: "server", secretName: "c-tls", dnsNames: ["c.example.com"], privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
    const rv = created.metadata.resourceVersion!;
    const written = await client.patchStatus<KubeObject>(CERTIFICATES, ns, "c", { failedIssuanceAttempts: 1 }, { resourceVersion: rv });
    expect(written.metadata.resourceVersion).not.toBe(rv);
    // A deposed leader computed its status from rv too: refused, and nothing changes.
    const stale = await client.patchStatus(CERTIFICATES, ns, "c", { failedIssuanceAttempts: 7 }, { resourceVersion: rv }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    const now = await client.get<KubeObject & { status?: { failedIssuanceAttempts?: number } }>(CERTIFICATES, ns, "c");
    expect(now.status?.failedIssuanceAttempts).toBe(1);
    // Without a resourceVersion the patch applies whatever the object's version.
    await client.patchStatus(CERTIFICATES, ns, "c", { failedIssuanceAttempts: 2 });
  });
});
